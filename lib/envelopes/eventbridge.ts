/** EventBridge: one event from `aws.ses` whose `detail` is the SES record, already parsed (it has no text). */

import { type IntakeSink, type Json, problem, stringOrNull } from '#lib/envelopes/read';
import { classify } from '#lib/envelopes/record';
import { ProblemCode } from '#lib/errors';
import type { Transport } from '#lib/ses/types';

/** EventBridge detail-types of SES email events; other aws.ses detail-types are skipped. */
export const SES_EVENTBRIDGE_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'Email Sent',
  'Email Rejected',
  'Email Bounced',
  'Email Complaint Received',
  'Email Delivered',
  'Email Opened',
  'Email Clicked',
  'Email Rendering Failed',
  'Email Delivery Delayed',
  'Email Subscribed',
]);

export function unwrapEventBridge(doc: Json, out: IntakeSink): void {
  const detailType = doc['detail-type'] as string;
  const transport: Transport = {
    kind: 'eventbridge',
    id: stringOrNull(doc.id),
    account: stringOrNull(doc.account),
    region: stringOrNull(doc.region),
    detailType,
  };
  if (doc.source !== 'aws.ses') {
    problem(
      out,
      ProblemCode.notSes,
      `EventBridge event from source "${String(doc.source)}" is not SES feedback: expected source "aws.ses"`,
      'source',
      0,
      transport,
      null,
    );
    return;
  }
  if (!SES_EVENTBRIDGE_DETAIL_TYPES.has(detailType)) {
    out.push({
      kind: 'skipped',
      notice: {
        message: `EventBridge aws.ses event "${detailType}" is not email feedback`,
        path: 'detail-type',
        item: 0,
        transport,
      },
    });
    return;
  }
  // EventBridge delivers the record as a parsed object: there is no original text to keep.
  classify(doc.detail, null, transport, 'detail', 0, out);
}
