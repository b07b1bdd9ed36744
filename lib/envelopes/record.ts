/**
 * SES records as the readers hand them on: an {@link UnwrappedRecord} that lets go of its parsed tree and text once
 * consumed, and the check that a value is an SES record at all.
 */

import { type IntakeSink, type Json, looksLikeSesRecord, type Place, pathAt, problem } from '#lib/envelopes/read';
import { ProblemCode } from '#lib/errors';
import { isObject, kindOf, safeStringify } from '#lib/json';
import type { SesRecord, Transport } from '#lib/ses/types';

function messageOf(envelope: string): string {
  return (JSON.parse(envelope) as Json).Message as string;
}

/**
 * One unwrapped SES record. All of a batch's records stay referenced until the batch is done, and every
 * young-generation GC copies what is still referenced: keeping each record's parsed tree and a copy of its text made
 * unwrap + normalize cost about twice the JSON parsing itself on a 10,000-record batch (docs/performance.md).
 * So the reader hands each record to its consumers (normalize, then route and render) while its tree and text are
 * young, then calls `release()`: the record keeps only what the event holds anyway (the SQS body it came from), and
 * a later reader (a parked record, `normalize --raw`) gets the tree or text parsed again from there.
 * A record without text (EventBridge's `detail`, part of the event) keeps its tree.
 */
class UnwrappedRecord implements SesRecord {
  #tree: Json | undefined;
  /** The record's text, while known without parsing. */
  #text: string | null | undefined;
  /** The SNS envelope's JSON text (an SQS body) whose `Message` the record is, or null. */
  readonly #envelope: string | null;
  readonly #place: Place;

  constructor(
    tree: Json,
    text: string | null,
    envelope: string | null,
    readonly transport: Transport,
    place: Place,
    readonly item: number,
  ) {
    this.#tree = tree;
    this.#text = text;
    this.#envelope = envelope;
    this.#place = place;
  }

  get path(): string {
    return pathAt(this.#place, this.item);
  }

  get json(): Json {
    return this.#tree ?? (JSON.parse(this.text as string) as Json);
  }

  get text(): string | null {
    if (this.#text === undefined) this.#text = messageOf(this.#envelope as string);
    return this.#text;
  }

  release(): void {
    if (this.#envelope !== null) {
      this.#tree = undefined;
      this.#text = undefined;
    } else if (this.#text !== null) this.#tree = undefined;
  }
}

/** Pushes an SES record, or skips SES's subscription notice. */
export function classifyRecord(
  value: Json,
  text: string | null,
  envelope: string | null,
  transport: Transport,
  place: Place,
  item: number,
  out: IntakeSink,
): void {
  // Identity-notification setup messages carry no mail object: SES sends them once per topic configured.
  if (value.notificationType === 'AmazonSnsSubscriptionSucceeded') {
    out.push({
      kind: 'skipped',
      notice: {
        message: 'SES AmazonSnsSubscriptionSucceeded notice is not feedback',
        path: pathAt(place, item),
        item,
        transport,
      },
    });
    return;
  }
  out.push({ kind: 'record', record: new UnwrappedRecord(value, text, envelope, transport, place, item) });
}

export function classify(
  value: unknown,
  text: string | null,
  transport: Transport,
  place: Place,
  item: number,
  out: IntakeSink,
): void {
  if (looksLikeSesRecord(value)) {
    classifyRecord(value, text, null, transport, place, item, out);
    return;
  }
  const what = isObject(value) ? 'a JSON object without notificationType, eventType or mail' : kindOf(value);
  problem(
    out,
    ProblemCode.notSes,
    `not an SES record: ${what}`,
    pathAt(place, item),
    item,
    transport,
    text ?? safeStringify(value),
  );
}
