/**
 * Reading feedback: unwrap a transport document, then normalize each SES record. The one entry point the handlers
 * and the CLI share, so every trigger rejects and skips exactly the same inputs.
 */
import { unwrapDocumentInto } from '#lib/envelopes/index';
import { InvalidRecordError, ProblemCode, describeError } from '#lib/errors';
import { safeStringify } from '#lib/json';
import { normalizeRecord } from '#lib/ses/normalize';
import type { Outcome, SesRecord } from '#lib/ses/types';

/** Reads one parsed input document (a Lambda event, an SNS body, a bare record...) into outcomes, in input order. */
export function readFeedback(doc: unknown, text: string | null = null): Outcome[] {
  const out: Outcome[] = [];
  // Each record is normalized as soon as it is unwrapped, while its parsed tree is still young and cheap to drop.
  unwrapDocumentInto(doc, text, { push: (item) => out.push(item.kind === 'record' ? normalizeOutcome(item.record) : item) });
  return out;
}

/** Normalizes one record; a rejection becomes a `problem` outcome with the full path and the original text. */
export function normalizeOutcome(record: SesRecord): Outcome {
  try {
    return { kind: 'event', event: normalizeRecord(record), record };
  } catch (err) {
    const invalid = err instanceof InvalidRecordError;
    return {
      kind: 'problem',
      problem: {
        code: invalid ? err.code : ProblemCode.invalidRecord,
        message: invalid ? err.message : `record could not be normalized: ${describeError(err)}`,
        path: invalid ? prefixPath(record.path, err.path) : record.path,
        item: record.item,
        transport: record.transport,
        text: record.text ?? safeStringify(record.json),
      },
    };
  }
}

function prefixPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}
