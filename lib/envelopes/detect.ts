/**
 * Auto-detection, for the CLI and the tests, where the operator chooses the input (a deployed function reads only
 * its own trigger's events: lib/envelopes/triggers.ts). A document is read by the first row of {@link DETECTION}
 * that matches it; inside a Lambda event, each record by its own keys.
 */

import { unwrapEventBridge } from '#lib/envelopes/eventbridge';
import { unwrapFirehoseRecord } from '#lib/envelopes/firehose';
import {
  guarded,
  type IntakeSink,
  isSnsEnvelope,
  type Json,
  problem,
  stringOrNull,
  type TriggerItems,
} from '#lib/envelopes/read';
import { classify } from '#lib/envelopes/record';
import { snsHttpTransport, unwrapSnsEnvelope, unwrapSnsRecord } from '#lib/envelopes/sns';
import { unwrapSqsBody } from '#lib/envelopes/sqs';
import { ProblemCode } from '#lib/errors';
import { isObject, kindOf } from '#lib/json';

/** One kind of document: how it is recognized, and how its trigger items are read. */
interface Detected {
  what: string;
  matches: (doc: Json) => boolean;
  items: (doc: Json, text: string | null) => TriggerItems;
}

const single =
  (unwrap: (doc: Json, text: string | null, out: IntakeSink) => void) =>
  (doc: Json, text: string | null): TriggerItems => ({
    count: 1,
    unwrap: (_, out) => unwrap(doc, text, out),
  });

/** The kinds of document, most specific first: a document is read by the first that matches. */
export const DETECTION: readonly Detected[] = [
  {
    what: 'a Lambda SQS or SNS event',
    matches: (doc) => Array.isArray(doc.Records),
    items: (doc) => {
      const records = doc.Records as unknown[];
      return { count: records.length, unwrap: (i, out) => guarded(out, 'Records', i, records[i], unwrapLambdaRecord) };
    },
  },
  {
    what: 'a Firehose data-transformation event',
    matches: (doc) => Array.isArray(doc.records) && ('deliveryStreamArn' in doc || 'invocationId' in doc),
    items: (doc) => {
      const firehose = doc.records as unknown[];
      const deliveryStreamArn = stringOrNull(doc.deliveryStreamArn);
      const unwrapRecord = (rec: unknown, item: number, sink: IntakeSink) =>
        unwrapFirehoseRecord(rec, item, deliveryStreamArn, sink);
      return { count: firehose.length, unwrap: (i, out) => guarded(out, 'records', i, firehose[i], unwrapRecord) };
    },
  },
  {
    what: 'an EventBridge event',
    matches: (doc) => typeof doc['detail-type'] === 'string' && 'source' in doc,
    items: single((doc, _, out) => unwrapEventBridge(doc, out)),
  },
  {
    what: 'an SNS HTTP body',
    matches: isSnsEnvelope,
    items: single((doc, _, out) => unwrapSnsEnvelope(doc, 'Message', 0, snsHttpTransport(doc), out, '')),
  },
  {
    what: 'an SES record (or an object that is none, refused as not_ses)',
    matches: () => true,
    items: single((doc, text, out) => classify(doc, text, { kind: 'raw' }, '', 0, out)),
  },
];

/**
 * The trigger items of a document: `Records[i]` of a Lambda SQS or SNS event, `records[i]` of a Firehose event, or
 * the document itself as one item. A reader that unwraps item by item can pause between items (lib/pipeline lets the
 * requests of the messages rendered so far go out). Each item is unwrapped behind its own guard.
 */
export function triggerItems(doc: unknown, text: string | null): TriggerItems {
  if (isObject(doc)) {
    for (const kind of DETECTION) if (kind.matches(doc)) return kind.items(doc, text);
  }
  return {
    count: 1,
    unwrap: (_, out) =>
      problem(out, ProblemCode.notSes, `expected a JSON object, got ${kindOf(doc)}`, '', 0, null, text),
  };
}

function unwrapLambdaRecord(rec: unknown, i: number, out: IntakeSink): void {
  if (!isObject(rec)) {
    problem(
      out,
      ProblemCode.unsupportedInput,
      `expected a Lambda event record object, got ${kindOf(rec)}`,
      `Records[${i}]`,
      i,
      null,
      null,
    );
  } else if (isObject(rec.Sns)) {
    unwrapSnsRecord(rec, rec.Sns, i, out);
  } else if (typeof rec.body === 'string') {
    unwrapSqsBody(rec, rec.body, i, out);
  } else {
    const source =
      typeof rec.eventSource === 'string'
        ? rec.eventSource
        : typeof rec.EventSource === 'string'
          ? rec.EventSource
          : 'unknown';
    problem(
      out,
      ProblemCode.unsupportedInput,
      `Lambda event record from "${source}" is not supported: expected an SNS record (Sns) or an SQS record (body)`,
      `Records[${i}]`,
      i,
      null,
      null,
    );
  }
}
