/** The de-duplication table's key, apart from the store so that planning messages loads no AWS SDK. */
import { createHash } from 'node:crypto';

/**
 * The table key of one (feedback key, destination) pair. Hashed: a delivery's key holds its recipients (addresses,
 * and too long for a partition key when there are many), and the table should hold no addresses at all.
 */
export function dedupeKey(feedbackKey: string, destination: string): string {
  return createHash('sha256').update(destination).update('\n').update(feedbackKey).digest('base64url');
}

/**
 * The table key of one signed SNS message seen by the HTTPS intake (its replay check). A namespace of its own: a
 * de-duplication key hashes a topic ARN first, and `sns-https-replay` is none.
 */
export function replayKey(topicArn: string, messageId: string): string {
  return createHash('sha256')
    .update('sns-https-replay\n')
    .update(topicArn)
    .update('\n')
    .update(messageId)
    .digest('base64url');
}
