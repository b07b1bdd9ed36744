/**
 * One PublishBatch request: the messages it carries and what SNS answered for each. Never throws: a failed request
 * is a classified error (lib/publish/classify), an answered one a result per entry.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type PublishBatchResponse,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { classifyFailedEntry, classifySendError, type ErrorClass } from '#lib/publish/classify';
import { payloadBytes, payloadBytesBound } from '#lib/publish/index';
import type { OutboundMessage } from '#lib/publish/types';

/** The part of an SNS client the publisher uses (an SNSClient, or a stand-in in tests). */
export type SnsSender = Pick<SNSClient, 'send'>;

/**
 * One message on its way: its input position doubles as its batch entry Id (digits: valid and unique).
 * Its exact size (a UTF-8 count of the whole body) is computed only when a decision needs it: the upper bound from
 * string lengths settles the size limit and the packing of almost every message (docs/performance.md).
 */
export class Pending {
  readonly bound: number;
  #bytes = -1;

  constructor(
    readonly index: number,
    readonly message: OutboundMessage,
  ) {
    this.bound = payloadBytesBound(message);
  }

  get bytes(): number {
    if (this.#bytes < 0) this.#bytes = payloadBytes(this.message);
    return this.#bytes;
  }
}

export type EntryResult = { kind: 'ok'; messageId: string } | { kind: 'failed'; error: ErrorClass };
export type BatchResult = { kind: 'error'; error: ErrorClass } | { kind: 'entries'; entries: Map<number, EntryResult> };

/** Sends one PublishBatch request; never throws. */
export async function sendBatch(client: SnsSender, topicArn: string, batch: Pending[]): Promise<BatchResult> {
  const entries: PublishBatchRequestEntry[] = batch.map(({ index, message }) => {
    const entry: PublishBatchRequestEntry = { Id: String(index), Message: message.body };
    // MessageAttributes only when there are any; a loop, not Object.keys: no array per message just to count.
    for (const _name in message.attributes) {
      entry.MessageAttributes = message.attributes;
      break;
    }
    return entry;
  });
  let response: PublishBatchResponse;
  try {
    response = await client.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));
  } catch (err) {
    return { kind: 'error', error: classifySendError(err) };
  }
  const results = new Map<number, EntryResult>();
  for (const ok of response.Successful ?? []) {
    if (ok.Id !== undefined && ok.MessageId !== undefined)
      results.set(Number(ok.Id), { kind: 'ok', messageId: ok.MessageId });
  }
  for (const failed of response.Failed ?? [])
    results.set(Number(failed.Id), { kind: 'failed', error: classifyFailedEntry(failed) });
  return { kind: 'entries', entries: results };
}
