/** SQS: a message body that is an SNS envelope (the usual subscription) or the SES record itself (raw delivery). */

import { type IntakeSink, isSnsEnvelope, type Json, type Place, parseText, stringOrNull } from '#lib/envelopes/read';
import { classify } from '#lib/envelopes/record';
import { ambiguous, unwrapSnsEnvelope } from '#lib/envelopes/sns';
import { isObject } from '#lib/json';
import type { Transport } from '#lib/ses/types';

const SQS_BODY: Place = { root: 'Records', suffix: '.body' };
const SQS_MESSAGE: Place = { root: 'Records', suffix: '.body.Message' };

// A batch comes from a handful of topics: each record's transport keeps the one copy of its topic ARN, not its own.
const SHARED_STRINGS = new Map<string, string>();
// Most records come from the same topic as the one before: comparing with it is cheaper than hashing a fresh string.
let lastShared = '';

function sharedString(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (value === lastShared) return lastShared;
  const shared = SHARED_STRINGS.get(value);
  if (shared !== undefined) {
    lastShared = shared;
    return shared;
  }
  // Bounded: a long-lived container must not collect every ARN it ever saw.
  if (SHARED_STRINGS.size >= 100) SHARED_STRINGS.clear();
  SHARED_STRINGS.set(value, value);
  lastShared = value;
  return value;
}

export function unwrapSqsBody(rec: Json, body: string, item: number, out: IntakeSink): void {
  const transport: Transport = {
    kind: 'sqs',
    messageId: stringOrNull(rec.messageId),
    eventSourceArn: stringOrNull(rec.eventSourceARN),
    snsMessageId: null,
    topicArn: null,
  };
  const parsed = parseText(body, SQS_BODY, item, transport, out);
  if (parsed === undefined) return;
  if (isObject(parsed) && isSnsEnvelope(parsed)) {
    if (ambiguous(parsed, SQS_BODY, item, transport, body, out)) return;
    transport.snsMessageId = stringOrNull(parsed.MessageId);
    transport.topicArn = sharedString(parsed.TopicArn);
    unwrapSnsEnvelope(parsed, SQS_MESSAGE, item, transport, out, SQS_BODY, body);
    return;
  }
  // Raw message delivery: the body is the SES record itself.
  classify(parsed, body, transport, SQS_BODY, item, out);
}
