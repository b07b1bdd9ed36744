/**
 * Where redrive reads from, a batch of at most ten messages at a time so memory stays flat however many wait:
 * an SQS queue (the parked queue, or the intake DLQ), or an NDJSON file of parked messages (one body per line).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SourceMessage } from '#lib/redrive/units';

export interface RedriveSource {
  /** Batches of messages, until the source is drained or `stopped()` turns true. */
  batches(stopped: () => boolean): AsyncIterable<SourceMessage[]>;
  /** Deletes messages that were redriven (queue sources only). */
  delete(handles: string[]): Promise<void>;
  /** Makes messages visible again at once: those left as they were (dry run, filtered out, still poison). */
  release(handles: string[]): Promise<void>;
  describe: string;
}

/** Sends an SQS batch request per ten entries; a failed entry is an error naming its code. */
async function inTens(
  handles: string[],
  send: (
    entries: Array<{ Id: string; ReceiptHandle: string }>,
  ) => Promise<{ Failed?: Array<{ Code?: string; Message?: string }> }>,
): Promise<void> {
  const requests: Array<Array<{ Id: string; ReceiptHandle: string }>> = [];
  for (let i = 0; i < handles.length; i += 10) {
    requests.push(handles.slice(i, i + 10).map((ReceiptHandle, n) => ({ Id: String(n), ReceiptHandle })));
  }
  // A few at a time: a dry run over a large queue releases thousands of messages at the end.
  for (let i = 0; i < requests.length; i += 8) {
    const answers = await Promise.all(requests.slice(i, i + 8).map(send));
    const failed = answers.flatMap((a) => a.Failed ?? []);
    if (failed.length > 0)
      throw new Error(`SQS refused ${failed.length} entries: ${failed[0]?.Code}: ${failed[0]?.Message}`);
  }
}

const PARALLEL_RECEIVES = 5;

/**
 * A queue read with long polls of one second, each message kept invisible for `visibilityTimeoutS` while it is
 * worked on. Ends after two empty receives in a row (short polls may miss messages; long polls ask every server),
 * and never hands out a message it handed out before in this run: a message that became visible again (dry run,
 * or work longer than the timeout) is not counted twice.
 */
export function queueSource(client: SQSClient, queueUrl: string, visibilityTimeoutS = 300): RedriveSource {
  return {
    describe: queueUrl,
    async *batches(stopped) {
      const seen = new Set<string>();
      const receive = () =>
        client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: visibilityTimeoutS,
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        );
      let empty = 0;
      while (!stopped() && empty < 2) {
        // Several receives at once: each answers at most ten messages, and a round trip costs more than the work.
        const answers = await Promise.all(Array.from({ length: PARALLEL_RECEIVES }, receive));
        let fresh = 0;
        for (const out of answers) {
          const messages = (out.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
          if (messages.length === 0) continue;
          fresh += messages.length;
          for (const m of messages) seen.add(m.MessageId as string);
          yield messages.map((m) => ({
            id: m.MessageId as string,
            body: m.Body ?? '',
            handle: m.ReceiptHandle ?? null,
            sentAt: m.Attributes?.SentTimestamp ? Number(m.Attributes.SentTimestamp) : null,
          }));
        }
        empty = fresh === 0 ? empty + 1 : 0;
      }
    },
    delete: (handles) =>
      inTens(handles, (Entries) => client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }))),
    release: (handles) =>
      inTens(handles, (Entries) =>
        client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: Entries.map((e) => ({ ...e, VisibilityTimeout: 0 })),
          }),
        ),
      ),
  };
}

/** An NDJSON file of parked messages, read line by line. Nothing to delete: re-running it delivers the same ids. */
export function fileSource(file: string): RedriveSource {
  return {
    describe: file,
    async *batches(stopped) {
      const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
      let batch: SourceMessage[] = [];
      let n = 0;
      for await (const line of lines) {
        n++;
        if (line.trim() === '') continue;
        batch.push({ id: `${file}:${n}`, body: line, handle: null, sentAt: null });
        if (batch.length === 10) {
          yield batch;
          batch = [];
          if (stopped()) break;
        }
      }
      lines.close();
      if (batch.length > 0 && !stopped()) yield batch;
    },
    delete: async () => {},
    release: async () => {},
  };
}
