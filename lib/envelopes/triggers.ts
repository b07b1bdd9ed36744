/**
 * Strict readers, one per Lambda trigger: each accepts only the event its own trigger sends, and inside it only what
 * that trigger can carry. Auto-detection (lib/envelopes/detect.ts `triggerItems`) stays for the CLI, where the
 * operator chooses the input; a deployed function never guesses, so another transport's keys beside a genuine
 * event (an SQS-shaped `Records` in an EventBridge event, `detail` beside an SNS envelope) are never read.
 *
 * | trigger       | the event                                  | each item may carry                         |
 * | ------------- | ------------------------------------------ | ------------------------------------------- |
 * | `sqs`         | `Records[]` of `eventSource: "aws:sqs"`    | an SNS envelope, or a raw SES record        |
 * | `sns`         | `Records[]` of `EventSource: "aws:sns"`    | an SES record in `Sns.Message`              |
 * | `eventbridge` | one event with `detail-type` and `source`  | the SES record in `detail`                  |
 * | `firehose`    | `records[]` with `recordId`, the stream ARN | an SES record or an SNS envelope per `data` |
 * | signed SNS HTTP post | its verified fields only             | an SES record in the signed `Message`       |
 *
 * An event whose frame is not its trigger's (not an object, `Records: null`, no `detail-type`...) throws
 * UnsupportedEventError before anything is read or parked: no real trigger sends it, so it is a direct invoke or
 * a wrong wiring, and refusing it whole means a retry is refused the same way and never parks it again. An item
 * inside a genuine frame that is not the trigger's item (a Kinesis record in an SQS event) is parked once as
 * `unsupported_input`, and its neighbours are delivered.
 */

import { unwrapEventBridge } from '#lib/envelopes/eventbridge';
import { unwrapFirehoseRecord } from '#lib/envelopes/firehose';
import { guarded, type IntakeSink, parseText, problem, stringOrNull, type TriggerItems } from '#lib/envelopes/read';
import { classify } from '#lib/envelopes/record';
import { unwrapSnsRecord } from '#lib/envelopes/sns';
import { unwrapSqsBody } from '#lib/envelopes/sqs';
import { joinPath, ProblemCode, UnsupportedEventError } from '#lib/errors';
import { isObject, type JsonObject, kindOf } from '#lib/json';
import type { Transport } from '#lib/ses/types';

/** The Lambda triggers of the bridge's functions. */
export type Trigger = 'sqs' | 'sns' | 'eventbridge' | 'firehose';

const NAMES: Readonly<Record<Trigger, string>> = {
  sqs: 'an SQS event',
  sns: 'an SNS event',
  eventbridge: 'an EventBridge event',
  firehose: 'a Firehose data-transformation event',
};

function shown(value: unknown): string {
  return value === undefined ? 'missing' : kindOf(value);
}

function refuse(trigger: Trigger, why: string): never {
  throw new UnsupportedEventError(`the event is not ${NAMES[trigger]}: ${why}; no record was read or parked`);
}

/**
 * The items of one event of `trigger`, read only the way that trigger sends them. Throws UnsupportedEventError
 * (naming what is wrong) when the event's frame is not that trigger's.
 */
export function triggerEventItems(trigger: Trigger, event: unknown): TriggerItems {
  if (!isObject(event)) refuse(trigger, `it is ${event === undefined ? 'undefined' : kindOf(event)}`);
  switch (trigger) {
    case 'sqs':
      return lambdaRecords(trigger, event, unwrapSqsRecord);
    case 'sns':
      return lambdaRecords(trigger, event, unwrapSnsEventRecord);
    case 'eventbridge':
      return eventBridgeItems(event);
    case 'firehose':
      return firehoseItems(event);
    default: {
      const never: never = trigger;
      throw new Error(`unknown trigger ${String(never)}`);
    }
  }
}

function lambdaRecords(
  trigger: Trigger,
  event: JsonObject,
  unwrap: (rec: unknown, item: number, out: IntakeSink) => void,
): TriggerItems {
  const records = event.Records;
  if (!Array.isArray(records)) refuse(trigger, `Records is ${shown(records)}, expected an array`);
  return { count: records.length, unwrap: (i, out) => guarded(out, 'Records', i, records[i], unwrap) };
}

function unwrapSqsRecord(rec: unknown, i: number, out: IntakeSink): void {
  if (isObject(rec) && rec.eventSource === 'aws:sqs' && typeof rec.body === 'string') {
    unwrapSqsBody(rec, rec.body, i, out);
    return;
  }
  notTheTriggersItem(out, i, rec, 'an SQS message (eventSource "aws:sqs" with a string body)');
}

function unwrapSnsEventRecord(rec: unknown, i: number, out: IntakeSink): void {
  if (isObject(rec) && rec.EventSource === 'aws:sns' && isObject(rec.Sns)) {
    unwrapSnsRecord(rec, rec.Sns, i, out);
    return;
  }
  notTheTriggersItem(out, i, rec, 'an SNS record (EventSource "aws:sns" with an Sns object)');
}

function notTheTriggersItem(out: IntakeSink, i: number, rec: unknown, expected: string): void {
  const source = isObject(rec) ? (stringOrNull(rec.eventSource) ?? stringOrNull(rec.EventSource)) : null;
  const got = isObject(rec) ? `a record from "${source ?? 'unknown'}"` : kindOf(rec);
  problem(out, ProblemCode.unsupportedInput, `expected ${expected}, got ${got}`, `Records[${i}]`, i, null, null);
}

function eventBridgeItems(event: JsonObject): TriggerItems {
  if (typeof event['detail-type'] !== 'string') refuse('eventbridge', 'it has no detail-type string');
  if (typeof event.source !== 'string') refuse('eventbridge', 'it has no source string');
  return { count: 1, unwrap: (_, out) => unwrapEventBridge(event, out) };
}

function firehoseItems(event: JsonObject): TriggerItems {
  const records = event.records;
  if (!Array.isArray(records)) refuse('firehose', `records is ${shown(records)}, expected an array`);
  if (typeof event.deliveryStreamArn !== 'string') refuse('firehose', 'it has no deliveryStreamArn string');
  // The answer must name every recordId: an item without one cannot be answered, so the event cannot be handled.
  records.forEach((rec, i) => {
    if (!isObject(rec) || typeof rec.recordId !== 'string')
      refuse('firehose', `${joinPath(joinPath('records', i), 'recordId')} is not a string`);
  });
  const stream = event.deliveryStreamArn;
  const unwrap = (rec: unknown, i: number, out: IntakeSink) => unwrapFirehoseRecord(rec, i, stream, out);
  return { count: records.length, unwrap: (i, out) => guarded(out, 'records', i, records[i], unwrap) };
}

/** The signed fields of a verified SNS HTTP notification: all the intake reads of a post. */
export interface SignedNotification {
  Message: string;
  MessageId: string;
  TopicArn: string;
}

/**
 * The one record of a verified SNS HTTP/S notification, read from its signed `Message` only (transport `sns-http`,
 * with the signed MessageId and TopicArn). Nothing else of the body is read: SNS does not sign it.
 */
export function signedNotificationItems(message: SignedNotification): TriggerItems {
  return {
    count: 1,
    unwrap: (_, out) => {
      const transport: Transport = { kind: 'sns-http', messageId: message.MessageId, topicArn: message.TopicArn };
      const parsed = parseText(message.Message, 'Message', 0, transport, out);
      if (parsed !== undefined) classify(parsed, message.Message, transport, 'Message', 0, out);
    },
  };
}

/**
 * The one record of an authenticated raw-delivery post: the body is the SES record itself and nothing else (no
 * envelope of any transport is looked for in it). `messageId` is the unsigned header's, kept for the operator only.
 */
export function rawDeliveryItems(text: string, topicArn: string, messageId: string | null): TriggerItems {
  return {
    count: 1,
    unwrap: (_, out) => {
      const transport: Transport = { kind: 'sns-http', messageId, topicArn };
      const parsed = parseText(text, '', 0, transport, out);
      if (parsed !== undefined) classify(parsed, text, transport, '', 0, out);
    },
  };
}
