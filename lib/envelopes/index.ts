/**
 * Transport envelopes, auto-detected: bare SES records, SNS HTTP bodies, Lambda SNS and SQS events (SNS envelope
 * or raw delivery in the body), EventBridge events, Firehose transformation events and NDJSON (Firehose S3 objects).
 * Each SES record keeps its original text so it can be re-published byte for byte.
 */
import { joinPath, ProblemCode } from '#lib/errors';
import { isObject, type JsonObject, kindOf, safeStringify } from '#lib/json';
import type { IntakeItem, SesRecord, Transport } from '#lib/ses/types';

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

// SES publishes this plain-text notice to a topic when an event destination is created
// (docs: event-publishing-add-event-destination-sns). It is not feedback.
const SES_TOPIC_VALIDATED_NOTICE = 'Successfully validated SNS topic for Amazon SES event publishing.';

type Json = JsonObject;

/**
 * Where an item sits in its document: a path, or a path made of the item's index when asked for
 * (`Records[12].body.Message`). Records keep the second kind: building ten thousand path strings per batch, and
 * keeping them to the end of it, cost more than all the normalizer's checks (docs/performance.md).
 */
export type Place = string | { readonly root: string; readonly suffix: string };

const SQS_BODY: Place = { root: 'Records', suffix: '.body' };
const SQS_MESSAGE: Place = { root: 'Records', suffix: '.body.Message' };
const SNS_ENVELOPE: Place = { root: 'Records', suffix: '.Sns' };
const SNS_MESSAGE: Place = { root: 'Records', suffix: '.Sns.Message' };
const FIREHOSE_DATA: Place = { root: 'records', suffix: '.data' };
const FIREHOSE_MESSAGE: Place = { root: 'records', suffix: '.data.Message' };

function pathAt(place: Place, item: number): string {
  return typeof place === 'string' ? place : `${place.root}[${item}]${place.suffix}`;
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

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

/** True for an object that claims to be an SES record (legacy notification or event-publishing record). */
export function looksLikeSesRecord(value: unknown): value is Json {
  return isObject(value) && ('notificationType' in value || 'eventType' in value || 'mail' in value);
}

function isSnsEnvelope(value: Json): boolean {
  return typeof value.Type === 'string' && typeof value.Message === 'string';
}

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
 * "not valid JSON (<what and where>)": JSON.parse's reason and position, without the snippet of the input V8 quotes
 * in some of its messages (`Unexpected token 'j', "jane@exam"... is not valid JSON`), which may hold an address.
 */
function parseErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `not valid JSON (${message.replace(/,\s*".*is not valid JSON$/s, ' in JSON')})`;
}

/** Where unwrapped items go, one at a time and in input order: an array, or a consumer (see readFeedback). */
export interface IntakeSink {
  push(item: IntakeItem): unknown;
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

/** A document's trigger items (an SQS message, an SNS record...), to unwrap one at a time. */
export interface TriggerItems {
  count: number;
  unwrap(item: number, out: IntakeSink): void;
}

/**
 * The trigger items of a document: `Records[i]` of a Lambda SQS or SNS event, `records[i]` of a Firehose event, or
 * the document itself as one item. A reader that unwraps item by item can pause between items (lib/pipeline lets the
 * requests of the messages rendered so far go out). Each item is unwrapped behind its own guard.
 */
export function triggerItems(doc: unknown, text: string | null): TriggerItems {
  if (isObject(doc)) {
    const records = doc.Records;
    if (Array.isArray(records)) {
      return { count: records.length, unwrap: (i, out) => guarded(out, 'Records', i, records[i], unwrapLambdaRecord) };
    }
    if (Array.isArray(doc.records) && ('deliveryStreamArn' in doc || 'invocationId' in doc)) {
      const firehose = doc.records;
      const deliveryStreamArn = stringOrNull(doc.deliveryStreamArn);
      const unwrapRecord = (rec: unknown, item: number, sink: IntakeSink) =>
        unwrapFirehoseRecord(rec, item, deliveryStreamArn, sink);
      return { count: firehose.length, unwrap: (i, out) => guarded(out, 'records', i, firehose[i], unwrapRecord) };
    }
  }
  return { count: 1, unwrap: (_, out) => unwrapSingle(doc, text, out) };
}

function unwrapSingle(doc: unknown, text: string | null, out: IntakeSink): void {
  if (!isObject(doc)) {
    problem(out, ProblemCode.notSes, `expected a JSON object, got ${kindOf(doc)}`, '', 0, null, text);
  } else if (typeof doc['detail-type'] === 'string' && 'source' in doc) {
    unwrapEventBridge(doc, out);
  } else if (isSnsEnvelope(doc)) {
    unwrapSnsEnvelope(doc, 'Message', 0, snsHttpTransport(doc), out, '');
  } else {
    classify(doc, text, { kind: 'raw' }, '', 0, out);
  }
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

/**
 * A body that is an SNS envelope (Type, Message) and claims to be an SES record too (mail, eventType or
 * notificationType): SNS never adds those keys and SES never writes Type/Message, so one of the two was added by
 * whoever wrote the body. Refused rather than read as either, so neither reading can be smuggled past the other.
 */
function ambiguous(
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
function classifyRecord(
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

function snsHttpTransport(doc: Json): Transport {
  return { kind: 'sns-http', messageId: stringOrNull(doc.MessageId), topicArn: stringOrNull(doc.TopicArn) };
}
