/**
 * The dry-run Publisher: one JSON line per message (`{"topicArn","body","attributes"}`) to stdout, a file or any
 * callback, instead of SNS. `npm start` and the CLI use it when no SNS endpoint is configured. It loads no AWS SDK.
 */
import { createHash } from 'node:crypto';
import { oversizeOutcome } from '#lib/publish/index';
import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';

/** Where the lines go: a function, or anything with a `write(text)` method (process.stdout, a fs.WriteStream). */
export type LineSink = ((text: string) => unknown) | { write(text: string): unknown };

/**
 * Creates the dry-run Publisher. Each message becomes one line ending in "\n"; the outcome is `ok` with a fake
 * MessageId derived from the message's content (the same message always gets the same id, so runs can be diffed).
 * A message SNS would refuse for its size is reported `poison` and not written, as the SNS publisher does.
 */
export function createDryRunPublisher(sink: LineSink): Publisher {
  const write = typeof sink === 'function' ? sink : (text: string) => sink.write(text);
  return {
    open() {
      // Each line is written as its message is added: nothing to hold until finish.
      const outcomes: PublishOutcome[] = [];
      return {
        add(message: OutboundMessage) {
          const tooLarge = oversizeOutcome(message);
          if (tooLarge !== undefined) {
            outcomes.push(tooLarge);
            return;
          }
          const line = JSON.stringify({
            topicArn: message.topicArn,
            body: message.body,
            attributes: message.attributes,
          });
          write(`${line}\n`);
          outcomes.push({ key: message.key, status: 'ok', messageId: dryRunMessageId(line) });
        },
        finish: async () => outcomes,
      };
    },
  };
}

/** A UUID-shaped id (SNS MessageIds are UUIDs) made from the SHA-256 of the written line. */
export function dryRunMessageId(line: string): string {
  const hex = createHash('sha256').update(line).digest('hex');
  // Version nibble 8 ("custom", RFC 9562) and the RFC variant bits: valid UUID syntax, never mistaken for SNS's v4 ids.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
