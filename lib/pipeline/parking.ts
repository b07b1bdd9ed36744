/**
 * Parking: a poison record is published once to the parking topic with its reason and original text, split into
 * parts when it is too large for one message, never truncated.
 */
import { createHash } from 'node:crypto';
import { safeStringify } from '#lib/json';
import type { PlannedOutcome } from '#lib/pipeline/plan';
import type { BridgeDeps, ParkedRecord } from '#lib/pipeline/report';
import { outcomeReader, payloadBytes, publishAll } from '#lib/publish/index';
import { type MessageAttribute, type OutboundMessage, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';
import type { Delivery } from '#lib/routing/index';

export function parkedRecord(
  outcome: PlannedOutcome,
  code: string,
  reason: string,
  delivery: Delivery | null,
  now: Date,
  path?: string,
): ParkedRecord {
  const base = {
    parkedAt: now.toISOString(),
    code,
    reason,
    route: delivery?.route ?? null,
    topicArn: delivery?.topicArn ?? null,
  };
  let rest: Pick<ParkedRecord, 'messageId' | 'type' | 'path' | 'transport' | 'text'>;
  if (outcome.kind === 'event') {
    const { event, record } = outcome;
    // safeStringify: a record without text (EventBridge) nested deeper than JSON.stringify can go must not crash the
    // batch; it is parked without its text, with the reason that says why.
    rest = {
      messageId: event.messageId,
      type: event.type,
      path: path ?? record.path,
      transport: record.transport,
      text: record.text ?? safeStringify(record.json),
    };
  } else if (outcome.kind === 'problem') {
    const { path, transport, text } = outcome.problem;
    rest = { messageId: null, type: null, path, transport, text };
  } else {
    rest = { messageId: null, type: null, path: outcome.notice.path, transport: outcome.notice.transport, text: null };
  }
  // Not the path: it holds the item's position in its batch, which changes when the item is redelivered.
  const parkId = createHash('sha256')
    .update(`${code}\n${base.topicArn ?? ''}\n${rest.messageId ?? ''}\n${rest.text ?? rest.path}`)
    .digest('hex')
    .slice(0, 32);
  return { parkId, ...base, ...rest };
}

export async function park(poison: Array<{ item: number; record: ParkedRecord }>, deps: BridgeDeps) {
  if (poison.length === 0) return { parked: [], unparked: [], refused: [] };
  // No parking topic (the CLI without one): nothing was refused, the records were not offered.
  if (deps.parkingTopicArn === null) return { parked: [], unparked: poison, refused: [] };
  const topicArn = deps.parkingTopicArn;
  const messages: OutboundMessage[] = [];
  // Per parking message: the poison record it carries a part of.
  const owners: number[] = [];
  poison.forEach(({ record }, i) => {
    const bodies = parkingBodies(record);
    bodies.forEach((body, part) => {
      // Each part is its own message to deduplicate; bridgeId as on delivered messages, parkId groups the parts.
      const bridgeId =
        bodies.length === 1
          ? record.parkId
          : createHash('sha256')
              .update(`${record.parkId}\n${part + 1}/${bodies.length}`)
              .digest('hex')
              .slice(0, 32);
      messages.push({ key: `park.${i}.${part}`, topicArn, body, attributes: parkingAttributes(record.code, bridgeId) });
      owners.push(i);
    });
  });
  const results = await publishAll(deps.publisher, messages);
  // A record is parked when every one of its parts is; it never will be when SNS refused a part for good.
  const outcomeOf = outcomeReader(results);
  const failed = new Set<number>();
  const refused = new Set<number>();
  messages.forEach((message, n) => {
    const status = outcomeOf(n, message.key)?.status;
    if (status !== 'ok') failed.add(owners[n] as number);
    if (status === 'poison') refused.add(owners[n] as number);
  });
  return {
    parked: poison.filter((_, i) => !failed.has(i)),
    unparked: poison.filter((_, i) => failed.has(i)),
    refused: poison.filter((_, i) => refused.has(i)),
  };
}

export function parkingAttributes(code: string, bridgeId: string): Record<string, MessageAttribute> {
  return { code: { DataType: 'String', StringValue: code }, bridgeId: { DataType: 'String', StringValue: bridgeId } };
}

/**
 * The parking message(s) of one record. Usually one JSON document. A record too large to fit in one SNS message
 * with its reason (the very records parked as message_too_large, whose text JSON escaping makes larger still) is
 * split: each part carries all the fields and a slice of `text`, with `part` and `parts`; the slices joined in part
 * order are the original text. Parking never truncates.
 */
export function parkingBodies(record: ParkedRecord): string[] {
  const attributes = parkingAttributes(record.code, '0'.repeat(32));
  const whole = JSON.stringify(record);
  if (payloadBytes({ body: whole, attributes }) <= SNS_MAX_PAYLOAD_BYTES || record.text === null) return [whole];
  const text = record.text;
  const room =
    SNS_MAX_PAYLOAD_BYTES -
    payloadBytes({ body: JSON.stringify({ ...record, text: '', part: 999_999, parts: 999_999 }), attributes });
  // Fields so large that little text fits beside them would make thousands of parts: refuse; the publisher then
  // reports the one message too large, and the item goes to its dead-letter queue whole.
  if (room < 16_384) return [whole];
  const slices: string[] = [];
  for (let start = 0; start < text.length; ) {
    // The longest slice whose JSON string fits: escaping makes a character cost 1 to 6 bytes, so search for it.
    let low = start + 1;
    let high = text.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (Buffer.byteLength(JSON.stringify(text.slice(start, mid))) <= room) low = mid;
      else high = mid - 1;
    }
    let end = low;
    // Never split a surrogate pair: each part must be well-formed text on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - 1 > start && last >= 0xd800 && last <= 0xdbff) end--;
    slices.push(text.slice(start, end));
    start = end;
  }
  return slices.map((slice, i) => JSON.stringify({ ...record, text: slice, part: i + 1, parts: slices.length }));
}
