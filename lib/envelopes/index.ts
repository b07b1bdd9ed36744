/**
 * Transport envelopes, auto-detected: bare SES records, SNS HTTP bodies, Lambda SNS and SQS events (SNS envelope
 * or raw delivery in the body), EventBridge events, Firehose transformation events and NDJSON (Firehose S3 objects).
 * Each SES record keeps its original text so it can be re-published byte for byte.
 */

import { triggerItems } from '#lib/envelopes/detect';
import { type IntakeSink, parseErrorMessage } from '#lib/envelopes/read';
import type { IntakeItem } from '#lib/ses/types';

export { DETECTION, triggerItems } from '#lib/envelopes/detect';
export { SES_EVENTBRIDGE_DETAIL_TYPES, unwrapEventBridge } from '#lib/envelopes/eventbridge';
export { unwrapFirehoseRecord } from '#lib/envelopes/firehose';
export {
  guarded,
  type IntakeSink,
  looksLikeSesRecord,
  type Place,
  parseText,
  problem,
  stringOrNull,
  type TriggerItems,
} from '#lib/envelopes/read';
export { classify } from '#lib/envelopes/record';
export { unwrapSnsEnvelope, unwrapSnsRecord } from '#lib/envelopes/sns';
export { unwrapSqsBody } from '#lib/envelopes/sqs';

/**
 * Reads a document's text: one JSON document, or NDJSON (one document per non-empty line).
 * Returns the documents with their text and 0-based index; unparsable ones become `invalid_json` problems.
 */
export function splitDocuments(text: string): Array<{ index: number; text: string; value?: unknown; error?: string }> {
  try {
    return [{ index: 0, text, value: JSON.parse(text) }];
  } catch (wholeError) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length <= 1) return [{ index: 0, text, error: parseErrorMessage(wholeError) }];
    return lines.map((line, index) => {
      const lineText = line.endsWith('\r') ? line.slice(0, -1) : line;
      try {
        return { index, text: lineText, value: JSON.parse(lineText) };
      } catch (lineError) {
        return { index, text: lineText, error: parseErrorMessage(lineError) };
      }
    });
  }
}

/**
 * Unwraps one parsed input document into SES records, problems and notices, in order.
 * `text` is the document's own text when known (it is the original text of a bare SES record).
 */
export function unwrapDocument(doc: unknown, text: string | null = null): IntakeItem[] {
  const out: IntakeItem[] = [];
  unwrapDocumentInto(doc, text, out);
  return out;
}

/**
 * {@link unwrapDocument}, handing each item to `out` as soon as it is unwrapped: a consumer that normalizes a
 * record there and then lets its parsed tree die young, where a young-generation GC does not copy it (with
 * all of a batch unwrapped first, every tree was copied out of the young generation, then thrown away).
 */
export function unwrapDocumentInto(doc: unknown, text: string | null, out: IntakeSink): void {
  const items = triggerItems(doc, text);
  for (let i = 0; i < items.count; i++) items.unwrap(i, out);
}
