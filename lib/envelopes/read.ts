/**
 * What every transport reader shares: where an item sits (its path), the sink items go to, the guard around each
 * trigger item, and the parsing of a text that should hold an SES record.
 */
import { ProblemCode } from '#lib/errors';
import { isObject, type JsonObject, safeStringify } from '#lib/json';
import type { IntakeItem, Transport } from '#lib/ses/types';

export type Json = JsonObject;

// SES publishes this plain-text notice to a topic when an event destination is created
// (docs: event-publishing-add-event-destination-sns). It is not feedback.
const SES_TOPIC_VALIDATED_NOTICE = 'Successfully validated SNS topic for Amazon SES event publishing.';

/**
 * Where an item sits in its document: a path, or a path made of the item's index when asked for
 * (`Records[12].body.Message`). Records keep the second kind: building ten thousand path strings per batch, and
 * keeping them to the end of it, cost more than all the normalizer's checks (docs/performance.md).
 */
export type Place = string | { readonly root: string; readonly suffix: string };

export function pathAt(place: Place, item: number): string {
  return typeof place === 'string' ? place : `${place.root}[${item}]${place.suffix}`;
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** True for an object that claims to be an SES record (legacy notification or event-publishing record). */
export function looksLikeSesRecord(value: unknown): value is Json {
  return isObject(value) && ('notificationType' in value || 'eventType' in value || 'mail' in value);
}

export function isSnsEnvelope(value: Json): boolean {
  return typeof value.Type === 'string' && typeof value.Message === 'string';
}

/**
 * "not valid JSON (<what and where>)": JSON.parse's reason and position, without the snippet of the input V8 quotes
 * in some of its messages (`Unexpected token 'j', "jane@exam"... is not valid JSON`), which may hold an address.
 */
export function parseErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `not valid JSON (${message.replace(/,\s*".*is not valid JSON$/s, ' in JSON')})`;
}

/** Where unwrapped items go, one at a time and in input order: an array, or a consumer (see readFeedback). */
export interface IntakeSink {
  push(item: IntakeItem): unknown;
}

/** A document's trigger items (an SQS message, an SNS record...), to unwrap one at a time. */
export interface TriggerItems {
  count: number;
  unwrap(item: number, out: IntakeSink): void;
}

/** Unwraps `root[item]`; what it throws on becomes a problem of that item alone (see {@link unreadable}). */
export function guarded(
  out: IntakeSink,
  root: string,
  item: number,
  value: unknown,
  unwrap: (value: unknown, item: number, out: IntakeSink) => void,
): void {
  try {
    unwrap(value, item, out);
  } catch (err) {
    unreadable(out, `${root}[${item}]`, item, value, err);
  }
}

/**
 * The reader's last line of defence: an item it throws on (a shape nobody foresaw, a bug) becomes an
 * `unsupported_input` problem with its text, so it is parked and never takes the rest of its batch down.
 */
function unreadable(out: IntakeSink, path: string, item: number, value: unknown, err: unknown): void {
  problem(
    out,
    ProblemCode.unsupportedInput,
    `${path} could not be read: ${err instanceof Error ? err.message : String(err)}`,
    path,
    item,
    null,
    safeStringify(value),
  );
}

/**
 * Parses a piece of text that should hold an SES record. Returns undefined after recording a problem or notice.
 * Text that does not even start like JSON is plain text (SNS test messages, SES notices), not broken JSON.
 */
export function parseText(text: string, place: Place, item: number, transport: Transport, out: IntakeSink): unknown {
  const first = firstNonSpace(text);
  if (first !== '{' && first !== '[') {
    if (text.trim() === SES_TOPIC_VALIDATED_NOTICE) {
      out.push({
        kind: 'skipped',
        notice: {
          message: 'SES event destination validation notice is not feedback',
          path: pathAt(place, item),
          item,
          transport,
        },
      });
    } else {
      problem(
        out,
        ProblemCode.notSes,
        `message is plain text, not an SES JSON record (${Buffer.byteLength(text)} bytes; the text is parked, not quoted)`,
        pathAt(place, item),
        item,
        transport,
        text,
      );
    }
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    problem(
      out,
      ProblemCode.invalidJson,
      `message is ${parseErrorMessage(err)}`,
      pathAt(place, item),
      item,
      transport,
      text,
    );
    return undefined;
  }
}

export function problem(
  out: IntakeSink,
  code: ProblemCode,
  message: string,
  path: string,
  item: number,
  transport: Transport | null,
  text: string | null,
): void {
  out.push({ kind: 'problem', problem: { code, message, path, item, transport, text } });
}

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return text[i] as string;
  }
  return '';
}
