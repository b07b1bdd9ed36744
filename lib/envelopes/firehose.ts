/**
 * Firehose: a data-transformation record whose base64 `data` is an SES record (SES's own stream) or an SNS envelope
 * (an SNS topic's Firehose subscription without raw delivery).
 */

import { type IntakeSink, isSnsEnvelope, type Place, parseText, problem, stringOrNull } from '#lib/envelopes/read';
import { classify } from '#lib/envelopes/record';
import { ambiguous, unwrapSnsEnvelope } from '#lib/envelopes/sns';
import { ProblemCode } from '#lib/errors';
import { isObject } from '#lib/json';
import type { Transport } from '#lib/ses/types';

const FIREHOSE_DATA: Place = { root: 'records', suffix: '.data' };
const FIREHOSE_MESSAGE: Place = { root: 'records', suffix: '.data.Message' };

export function unwrapFirehoseRecord(rec: unknown, i: number, deliveryStreamArn: string | null, out: IntakeSink): void {
  const recordId = isObject(rec) ? stringOrNull(rec.recordId) : null;
  const transport: Transport = { kind: 'firehose', recordId, deliveryStreamArn };
  if (!isObject(rec) || typeof rec.data !== 'string') {
    problem(
      out,
      ProblemCode.unsupportedInput,
      'Firehose record has no base64 "data" string',
      `records[${i}]`,
      i,
      transport,
      null,
    );
    return;
  }
  // SES writes each record followed by a newline (docs: event-publishing-retrieving-firehose-contents).
  let text = Buffer.from(rec.data, 'base64').toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const parsed = parseText(text, FIREHOSE_DATA, i, transport, out);
  if (parsed === undefined) return;
  // An SNS topic's Firehose subscription writes the SNS envelope (without raw delivery): the record is its Message.
  if (isObject(parsed) && isSnsEnvelope(parsed)) {
    if (!ambiguous(parsed, FIREHOSE_DATA, i, transport, text, out))
      unwrapSnsEnvelope(parsed, FIREHOSE_MESSAGE, i, transport, out, FIREHOSE_DATA);
    return;
  }
  classify(parsed, text, transport, FIREHOSE_DATA, i, out);
}
