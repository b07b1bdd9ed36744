/**
 * The light part of lib/publish: the contract and SNS's size rule, with no AWS SDK import, so the CLI and the
 * dry-run sink can use them without loading the SDK. The publishers live in their own modules:
 * `#lib/publish/sns` (PublishBatch) and `#lib/publish/dry-run` (NDJSON sink).
 */
import { SNS_MAX_PAYLOAD_BYTES, type OutboundMessage, type PublishOutcome } from '#lib/publish/types';

export * from '#lib/publish/types';

/** Codes of the outcomes the publishers produce themselves (SNS error codes pass through unchanged). */
export const PublishCode = {
  messageTooLarge: 'message_too_large',
  invalidTopicArn: 'invalid_topic_arn',
  missingResult: 'missing_result',
  publisherError: 'publisher_error',
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
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType, 'utf8') + Buffer.byteLength(value.StringValue, 'utf8');
  }
  return bytes;
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
