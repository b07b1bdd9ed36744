/**
 * Reading feedback: unwrap a transport document, then normalize each SES record. The one entry point the handlers
 * and the CLI share, so every trigger rejects and skips exactly the same inputs.
 */
import { type IntakeSink, unwrapDocumentInto } from '#lib/envelopes/index';
import { describeError, InvalidRecordError, ProblemCode } from '#lib/errors';
import { safeStringify } from '#lib/json';
import { normalizeRecord } from '#lib/ses/normalize';
import type { Outcome, SesRecord } from '#lib/ses/types';

/** Reads one parsed input document (a Lambda event, an SNS body, a bare record...) into outcomes, in input order. */
export function readFeedback(doc: unknown, text: string | null = null): Outcome[] {
  const out: Outcome[] = [];
  readFeedbackInto(doc, text, (outcome) => out.push(outcome));
  return out;
}

/**
 * {@link readFeedback}, handing each outcome to `onOutcome` as soon as its record is unwrapped and normalized, while
 * the record's parsed tree and text are young; the record releases them when `onOutcome` returns. Consumers that
 * route and render there (lib/pipeline `processDocument`) never parse a record twice, and the GC never copies it.
 */
export function readFeedbackInto(doc: unknown, text: string | null, onOutcome: (outcome: Outcome) => void): void {
  unwrapDocumentInto(doc, text, feedbackSink(onOutcome));
}

/** The sink {@link readFeedbackInto} unwraps into, for readers that unwrap trigger item by item (`triggerItems`). */
export function feedbackSink(onOutcome: (outcome: Outcome) => void): IntakeSink {
  return {
    push: (item) => {
      if (item.kind !== 'record') {
        onOutcome(item);
        return;
      }
      onOutcome(normalizeOutcome(item.record));
      item.record.release?.();
    },
  };
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
