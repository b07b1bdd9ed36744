/**
 * SNS: a Lambda SNS event record, an SNS envelope wherever it travels (an HTTP body, an SQS body, a Firehose record),
 * and the check that a body is not both an envelope and a record.
 */

import {
  type IntakeSink,
  type Json,
  looksLikeSesRecord,
  type Place,
  parseText,
  pathAt,
  problem,
  stringOrNull,
} from '#lib/envelopes/read';
import { classify, classifyRecord } from '#lib/envelopes/record';
import { joinPath, ProblemCode } from '#lib/errors';
import { kindOf, safeStringify } from '#lib/json';
import type { Transport } from '#lib/ses/types';

const SNS_ENVELOPE: Place = { root: 'Records', suffix: '.Sns' };
const SNS_MESSAGE: Place = { root: 'Records', suffix: '.Sns.Message' };

/** A Lambda SNS event record: its `Sns` object is the envelope. */
export function unwrapSnsRecord(rec: Json, sns: Json, i: number, out: IntakeSink): void {
  const transport: Transport = {
    kind: 'sns',
    messageId: stringOrNull(sns.MessageId),
    topicArn: stringOrNull(sns.TopicArn),
    subscriptionArn: stringOrNull(rec.EventSubscriptionArn),
  };
  unwrapSnsEnvelope(sns, SNS_MESSAGE, i, transport, out, SNS_ENVELOPE);
}

/**
 * A body that is an SNS envelope (Type, Message) and claims to be an SES record too (mail, eventType or
 * notificationType): SNS never adds those keys and SES never writes Type/Message, so one of the two was added by
 * whoever wrote the body. Refused rather than read as either, so neither reading can be smuggled past the other.
 */
export function ambiguous(
  body: Json,
  place: Place,
  item: number,
  transport: Transport,
  text: string,
  out: IntakeSink,
): boolean {
  if (!looksLikeSesRecord(body)) return false;
  problem(
    out,
    ProblemCode.unsupportedInput,
    'the body is both an SNS envelope (Type, Message) and an SES record (mail, eventType or notificationType): refused as ambiguous',
    pathAt(place, item),
    item,
    transport,
    text,
  );
  return true;
}

/**
 * An SNS envelope (HTTP body, SQS body or Lambda `Sns` object): Notification carries the record in `Message`.
 * `envelopeText` is the envelope's own JSON text when it is part of the event (an SQS body): a record then reads its
 * text again from there when it needs it, rather than keeping a copy (see {@link UnwrappedRecord}).
 */
export function unwrapSnsEnvelope(
  env: Json,
  messagePlace: Place,
  item: number,
  transport: Transport,
  out: IntakeSink,
  envPlace: Place,
  envelopeText: string | null = null,
): void {
  const type = env.Type;
  if (type === 'SubscriptionConfirmation' || type === 'UnsubscribeConfirmation') {
    out.push({
      kind: 'skipped',
      notice: {
        message: `SNS ${type} for ${stringOrNull(env.TopicArn) ?? 'an unknown topic'} is not feedback`,
        path: pathAt(envPlace, item),
        item,
        transport,
      },
    });
    return;
  }
  if (type !== 'Notification') {
    problem(
      out,
      ProblemCode.unsupportedInput,
      `SNS message Type "${String(type)}" is not supported: expected Notification`,
      joinPath(pathAt(envPlace, item), 'Type'),
      item,
      transport,
      null,
    );
    return;
  }
  const message = env.Message;
  if (typeof message !== 'string') {
    problem(
      out,
      ProblemCode.unsupportedInput,
      `SNS Notification has no Message text: got ${kindOf(message)}`,
      pathAt(messagePlace, item),
      item,
      transport,
      safeStringify(env),
    );
    return;
  }
  const parsed = parseText(message, messagePlace, item, transport, out);
  if (parsed === undefined) return;
  if (envelopeText !== null && looksLikeSesRecord(parsed)) {
    classifyRecord(parsed, message, envelopeText, transport, messagePlace, item, out);
    return;
  }
  classify(parsed, message, transport, messagePlace, item, out);
}

export function snsHttpTransport(doc: Json): Transport {
  return { kind: 'sns-http', messageId: stringOrNull(doc.MessageId), topicArn: stringOrNull(doc.TopicArn) };
}
