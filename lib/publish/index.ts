/**
 * The light part of lib/publish: the contract and SNS's size rule, with no AWS SDK import, so the CLI and the
 * dry-run sink can use them without loading the SDK. The publishers live in their own modules:
 * `#lib/publish/sns` (PublishBatch) and `#lib/publish/dry-run` (NDJSON sink).
 */
import { ErrorCode } from '#lib/errors';
import {
  type MessageAttribute,
  type OutboundMessage,
  type Publisher,
  type PublishOutcome,
  SNS_MAX_PAYLOAD_BYTES,
} from '#lib/publish/types';

export * from '#lib/publish/types';

/** Codes of the outcomes the publishers produce themselves (SNS error codes pass through unchanged). */
export const PublishCode = {
  messageTooLarge: ErrorCode.messageTooLarge,
  invalidTopicArn: ErrorCode.invalidTopicArn,
  missingResult: ErrorCode.missingResult,
  publisherError: ErrorCode.publisherError,
  unsendable: ErrorCode.unsendable,
} as const;
export type PublishCode = (typeof PublishCode)[keyof typeof PublishCode];

/**
 * The bytes SNS counts for one message: the UTF-8 body plus, for every attribute, its name, data type and value.
 * "The message attribute name, type, and value are all included in the message size restriction."
 * (SNS developer guide, sns-message-attributes; the 256 KiB limit: SNS API reference, Publish and PublishBatch.)
 */
export function payloadBytes(message: Pick<OutboundMessage, 'body' | 'attributes'>): number {
  let bytes = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes)) {
    bytes +=
      Buffer.byteLength(name, 'utf8') +
      Buffer.byteLength(value.DataType, 'utf8') +
      Buffer.byteLength(value.StringValue, 'utf8');
  }
  return bytes;
}

/**
 * An upper bound of {@link payloadBytes} from string lengths alone: a UTF-16 code unit is at most 3 UTF-8 bytes (a
 * surrogate pair, 2 units, is 4 bytes; a lone surrogate is written as the 3-byte U+FFFD). Almost every message fits
 * even so, which spares the exact count, a pass over the whole body.
 */
export function payloadBytesBound(message: Pick<OutboundMessage, 'body' | 'attributes'>): number {
  let units = message.body.length;
  for (const name in message.attributes) {
    const attr = message.attributes[name] as MessageAttribute;
    units += name.length + attr.DataType.length + attr.StringValue.length;
  }
  return units * 3;
}

/** The `poison` outcome of a message SNS would refuse for its size, or `undefined` when it fits. */
export function oversizeOutcome(message: OutboundMessage, bytes = payloadBytes(message)): PublishOutcome | undefined {
  if (bytes <= SNS_MAX_PAYLOAD_BYTES) return undefined;
  return {
    key: message.key,
    status: 'poison',
    code: PublishCode.messageTooLarge,
    reason: `message is ${bytes} bytes (body plus attribute names, types and values); SNS accepts at most ${SNS_MAX_PAYLOAD_BYTES}`,
  };
}

/** Publishes messages already in hand: one session, every message added, then finished. */
export function publishAll(publisher: Publisher, messages: readonly OutboundMessage[]): Promise<PublishOutcome[]> {
  const session = publisher.open();
  for (const message of messages) session.add(message);
  return session.finish();
}

/**
 * Reads a session's outcomes message by message: the outcome of the `n`-th message added, whose key is `key`. A
 * session answers in the order messages were added; one that does not is still read by key.
 */
export function outcomeReader(
  results: readonly PublishOutcome[],
): (n: number, key: string) => PublishOutcome | undefined {
  let position: Map<string, number> | undefined;
  return (n, key) => {
    const next = results[n];
    if (next !== undefined && next.key === key) return next;
    position ??= new Map(results.map((r, i) => [r.key, i]));
    return results[position.get(key) ?? -1];
  };
}
