/**
 * A small SNS-compatible server for tests: the awsQuery wire protocol the AWS SDK speaks (form-encoded POST with
 * `Action=...`, XML answers), the element names the SDK's deserializers read, and SNS's own errors (NotFound 404,
 * TooManyEntriesInBatchRequest, BatchRequestTooLong, InvalidParameter...). It records every accepted message and
 * every request, and injects faults from a seeded PRNG: throttling, 500s, per-entry failures, slow answers,
 * dropped connections and topics that always fail.
 *
 * No local emulator answers PublishBatch faithfully (serverless-offline-sns answers it with a no-op and signs
 * nothing), hence this one. Wire formats checked
 * against @aws-sdk/client-sns 3.1169 (AwsQueryProtocol in @aws-sdk/core: errors are read from
 * `<ErrorResponse><Error><Code>`, results from `<XResponse><XResult>`, lists as `<member>`, maps as
 * `<entry><key><value>`) and the SNS API reference's example responses.
 *
 * Delivery to subscribers is not done here; the state emits `subscribe` and `publish` events with everything a
 * delivery module needs (subscriptions are stored per topic, with their confirmation token).
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_ACCOUNT_ID = '123456789012';
const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
const PAGE_SIZE = 100;

// ---------------------------------------------------------------------------------------------------------------
// Errors, as SNS answers them: HTTP status, Type (Sender/Receiver) and Code as the SDK's error registry maps them.

const ERRORS = {
  Throttling: { status: 400, type: 'Sender', message: 'Rate exceeded' },
  InternalError: { status: 500, type: 'Receiver', message: 'Internal Error' },
  NotFound: { status: 404, type: 'Sender', message: 'Topic does not exist' },
  AuthorizationError: {
    status: 403,
    type: 'Sender',
    message: 'User is not authorized to perform: SNS:Publish on this resource',
  },
  KMSAccessDenied: {
    status: 400,
    type: 'Sender',
    message: "The ciphertext references a key that doesn't exist or that you don't have access to.",
  },
  KMSDisabled: {
    status: 400,
    type: 'Sender',
    message: "The request was rejected because the specified customer master key (CMK) isn't enabled.",
  },
  KMSNotFound: {
    status: 400,
    type: 'Sender',
    message: "The request was rejected because the specified entity or resource can't be found.",
  },
  KMSThrottling: { status: 400, type: 'Sender', message: 'The request was denied due to request throttling.' },
  InvalidParameter: { status: 400, type: 'Sender', message: 'Invalid parameter' },
  ParameterValueInvalid: { status: 400, type: 'Sender', message: 'Invalid parameter value' },
  EmptyBatchRequest: { status: 400, type: 'Sender', message: "The batch request doesn't contain any entries." },
  TooManyEntriesInBatchRequest: {
    status: 400,
    type: 'Sender',
    message: 'The batch request contains more entries than permissible.',
  },
  BatchEntryIdsNotDistinct: {
    status: 400,
    type: 'Sender',
    message: 'Two or more batch entries in the request have the same Id.',
  },
  InvalidBatchEntryId: {
    status: 400,
    type: 'Sender',
    message: "The Id of a batch entry in a batch request doesn't abide by the specification.",
  },
  BatchRequestTooLong: {
    status: 400,
    type: 'Sender',
    message: 'The length of all the messages put together is more than the limit.',
  },
  InvalidAction: { status: 400, type: 'Sender', message: 'The action or operation requested is invalid.' },
} as const;
export type FakeSnsErrorCode = keyof typeof ERRORS;

/** Codes a topic can be set to always answer (faults.failTopic). */
export type FailingTopicCode = Extract<
  FakeSnsErrorCode,
  | 'NotFound'
  | 'AuthorizationError'
  | 'KMSAccessDenied'
  | 'KMSDisabled'
  | 'KMSNotFound'
  | 'KMSThrottling'
  | 'InvalidParameter'
  | 'InternalError'
  | 'Throttling'
>;

class SnsError extends Error {
  constructor(
    readonly code: FakeSnsErrorCode,
    message?: string,
  ) {
    super(message ?? ERRORS[code].message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// State: topics with their subscriptions, published messages, requests.

export interface FakeSubscription {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  owner: string;
  attributes: Record<string, string>;
  confirmed: boolean;
  /** The token a SubscriptionConfirmation would carry; ConfirmSubscription must present it. */
  token: string;
}

export interface FakeTopic {
  arn: string;
  name: string;
  region: string;
  accountId: string;
  attributes: Record<string, string>;
  /** By subscription ARN. */
  subscriptions: Map<string, FakeSubscription>;
}

export interface FakeMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface PublishedMessage {
  topicArn: string;
  messageId: string;
  body: string;
  attributes: Record<string, FakeMessageAttribute>;
  subject?: string;
  messageStructure?: string;
  action: 'Publish' | 'PublishBatch';
  /** The entry Id for PublishBatch. */
  batchEntryId?: string;
  requestId: string;
}

export interface RequestRecord {
  requestId: string;
  action: string;
  /** The region of the request's SigV4 credential scope. */
  region: string;
  /** `pending` while the server still works on it (a slow answer), `abandoned` when the client left first. */
  status: number | 'pending' | 'dropped' | 'abandoned';
  /** The injected fault, if any. */
  fault?: FaultKind;
  /** PublishBatch: the number of entries, and how many were failed on purpose. */
  entries?: number;
  failedEntries?: number;
}

type FakeSnsEvents = {
  subscribe: [topic: FakeTopic, subscription: FakeSubscription];
  unsubscribe: [topic: FakeTopic, subscription: FakeSubscription];
  publish: [topic: FakeTopic, message: PublishedMessage];
};

export class FakeSnsState {
  readonly topics = new Map<string, FakeTopic>();
  readonly published: PublishedMessage[] = [];
  readonly requests: RequestRecord[] = [];
  /** `subscribe`, `unsubscribe` and `publish`: hooks for a delivery module (e.g. HTTP subscribers). */
  readonly events = new EventEmitter<FakeSnsEvents>();

  constructor(readonly accountId = FAKE_ACCOUNT_ID) {}

  /** Creates a topic (idempotent, as CreateTopic is); any region and account, for cross-account tests. */
  createTopic(
    name: string,
    where: { region?: string; accountId?: string; attributes?: Record<string, string> } = {},
  ): FakeTopic {
    const region = where.region ?? 'us-east-1';
    const accountId = where.accountId ?? this.accountId;
    const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
    const existing = this.topics.get(arn);
    if (existing) return existing;
    const topic: FakeTopic = {
      arn,
      name,
      region,
      accountId,
      attributes: { ...(name.endsWith('.fifo') ? { FifoTopic: 'true' } : {}), ...where.attributes },
      subscriptions: new Map(),
    };
    this.topics.set(arn, topic);
    return topic;
  }

  topic(arn: string): FakeTopic | undefined {
    return this.topics.get(arn);
  }

  /** Messages accepted for one topic, in arrival order. */
  messagesFor(topicArn: string): PublishedMessage[] {
    return this.published.filter((m) => m.topicArn === topicArn);
  }

  /** Requests received (dropped and abandoned ones included), optionally of one action. */
  requestCount(action?: string): number {
    return action === undefined ? this.requests.length : this.requests.filter((r) => r.action === action).length;
  }

  /** Forgets messages and requests; topics and subscriptions stay. */
  clearRecords(): void {
    this.published.length = 0;
    this.requests.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Faults.

export type FaultKind = 'throttle' | 'internal-error' | 'slow' | 'drop' | 'fail-entries';

export interface FaultRates {
  /** Share of requests answered HTTP 400 `Throttling`. */
  throttleRate: number;
  /** Share of requests answered HTTP 500 `InternalError`. */
  internalErrorRate: number;
  /** Share of PublishBatch entries answered in `Failed` with `InternalError`, SenderFault=false. */
  entryFailureRate: number;
  /** Share of requests answered only after `slowMs`. If the client gave up meanwhile, the request is not applied. */
  slowRate: number;
  slowMs: number;
  /** Share of requests whose connection is destroyed without an answer (not applied). */
  dropRate: number;
}

const NO_FAULTS: FaultRates = {
  throttleRate: 0,
  internalErrorRate: 0,
  entryFailureRate: 0,
  slowRate: 0,
  slowMs: 2_000,
  dropRate: 0,
};

/** mulberry32: a small seeded PRNG, so a fault pattern is the same for the same seed and request order. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fault injection, changeable at any time while the server runs. */
export class FakeSnsFaults {
  rates: FaultRates = { ...NO_FAULTS };
  /** Actions the rates and one-shot faults apply to. */
  actions = new Set(['Publish', 'PublishBatch']);
  /** Topics that answer every Publish/PublishBatch with an error. */
  readonly failingTopics = new Map<string, FailingTopicCode>();
  private readonly queue: FaultKind[] = [];
  private random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Changes some rates; the others keep their values. */
  set(rates: Partial<FaultRates>): this {
    this.rates = { ...this.rates, ...rates };
    return this;
  }

  /** Restarts the PRNG. */
  reseed(seed: number): this {
    this.random = seededRandom(seed);
    return this;
  }

  /** Makes a topic answer every publish with `code` (it need not exist). */
  failTopic(topicArn: string, code: FailingTopicCode): this {
    this.failingTopics.set(topicArn, code);
    return this;
  }

  /** Applies `kind` to the next `count` matching requests, before any rate is drawn. */
  once(kind: FaultKind, count = 1): this {
    for (let i = 0; i < count; i++) this.queue.push(kind);
    return this;
  }

  /** No faults at all (the seed's sequence continues). */
  clear(): this {
    this.rates = { ...NO_FAULTS };
    this.failingTopics.clear();
    this.queue.length = 0;
    return this;
  }

  /** The fault for one request of `action`, if any. One draw per kind and request keeps the sequence stable. */
  pick(action: string): FaultKind | undefined {
    if (!this.actions.has(action)) return undefined;
    const queued = this.queue.shift();
    if (queued !== undefined) return queued;
    const { dropRate, slowRate, throttleRate, internalErrorRate } = this.rates;
    const [d, s, t, i] = [this.random(), this.random(), this.random(), this.random()];
    if (d < dropRate) return 'drop';
    if (s < slowRate) return 'slow';
    if (t < throttleRate) return 'throttle';
    if (i < internalErrorRate) return 'internal-error';
    return undefined;
  }

  /** True when one PublishBatch entry should fail (`fail-entries` fails all of one request's entries). */
  failEntry(forced: boolean): boolean {
    const draw = this.random();
    return forced || draw < this.rates.entryFailureRate;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wire helpers.

function xmlEscape(text: string): string {
  // \r is escaped too: XML parsers turn a literal CR into LF.
  return text.replace(
    /[&<>"'\r]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' })[c]!,
  );
}

function el(name: string, value: string): string {
  return `<${name}>${xmlEscape(value)}</${name}>`;
}

function xmlResult(action: string, result: string | null, requestId: string): string {
  const body = result === null ? '' : `<${action}Result>${result}</${action}Result>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">${body}<ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata></${action}Response>\n`;
}

function xmlError(error: SnsError, requestId: string): string {
  const { type } = ERRORS[error.code];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${XMLNS}"><Error>${el('Type', type)}${el('Code', error.code)}${el('Message', error.message)}</Error>${el('RequestId', requestId)}</ErrorResponse>\n`;
}

function attributesXml(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `<entry>${el('key', k)}${el('value', v)}</entry>`)
    .join('');
}

/** `Prefix.member.N.Field` (lists) and `Prefix.entry.N.Field` (maps) as arrays of {Field: value}, in N order. */
function indexed(params: URLSearchParams, prefix: string): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
    if (!m) continue;
    const n = Number(m[1]);
    const fields = byIndex.get(n) ?? {};
    fields[m[2]!] = value;
    byIndex.set(n, fields);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, fields]) => fields);
}

/** The `Attributes.entry.N.key/value` map of CreateTopic and Subscribe. */
function stringMap(params: URLSearchParams, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of indexed(params, `${prefix}.entry.`)) if (e.key !== undefined) out[e.key] = e.value ?? '';
  return out;
}

/**
 * A Number attribute's value, as SNS checks it (developer guide, sns-message-attributes: "Numbers are positive or
 * negative integers or floating-point numbers ... up to 38 digits of precision, and it can be between 10^-128 and
 * 10^+126"). Answered with ParameterValueInvalid, which the SDK raises as InvalidParameterValueException.
 */
function checkNumber(name: string, value: string): void {
  const m = /^[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/.exec(value);
  if (m === null)
    throw new SnsError('ParameterValueInvalid', `Could not cast message attribute '${name}' value to number.`);
  const digits = `${m[1] ?? ''}${m[2] ?? m[3] ?? ''}`.replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '');
  if (significant.length > 38)
    throw new SnsError(
      'ParameterValueInvalid',
      `Message attribute '${name}' number value [${value}] must have less than 38 precision digits.`,
    );
  const magnitude = Math.abs(Number(value));
  if (magnitude !== 0 && (magnitude > 1e126 || magnitude < 1e-128))
    throw new SnsError(
      'ParameterValueInvalid',
      `Message attribute '${name}' number value [${value}] scale must be 10^-128 and 10^126.`,
    );
}

/** `MessageAttributes.entry.N.Name` + `.Value.DataType/StringValue/BinaryValue`, validated as SNS does. */
function messageAttributes(fields: Record<string, string>, prefix: string): Record<string, FakeMessageAttribute> {
  const entries = new Map<number, Record<string, string>>();
  for (const [key, value] of Object.entries(fields)) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length));
    if (!m) continue;
    const e = entries.get(Number(m[1])) ?? {};
    e[m[2]!] = value;
    entries.set(Number(m[1]), e);
  }
  const out: Record<string, FakeMessageAttribute> = {};
  for (const e of entries.values()) {
    const name = e.Name ?? '';
    // SNS developer guide, sns-message-attributes: name rules, and the types String, String.Array, Number, Binary.
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      /^(aws|amazon)\./i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw new SnsError('ParameterValueInvalid', `The message attribute name '${name}' is invalid.`);
    }
    const dataType = e['Value.DataType'] ?? '';
    // Types String, String.Array, Number and Binary, each optionally with a custom suffix (Number.float).
    if (!/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const value = dataType.startsWith('Binary') ? e['Value.BinaryValue'] : e['Value.StringValue'];
    if (value === undefined || value === '')
      throw new SnsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    if (dataType.startsWith('Number')) checkNumber(name, value);
    out[name] = dataType.startsWith('Binary')
      ? { DataType: dataType, BinaryValue: value }
      : { DataType: dataType, StringValue: value };
  }
  return out;
}

/** The bytes SNS counts against MaximumMessageSize: body plus attribute names, types and values. */
function sizeOf(body: string, attributes: Record<string, FakeMessageAttribute>): number {
  let n = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    n +=
      Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? '');
  }
  return n;
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw new SnsError('InvalidParameter', `Invalid parameter: ${name}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Actions.

interface Call {
  params: URLSearchParams;
  region: string;
  requestId: string;
  record: RequestRecord;
  forcedEntryFailure: boolean;
}

type Handler = (state: FakeSnsState, faults: FakeSnsFaults, call: Call) => string | null;

const PENDING_PROTOCOLS = new Set(['http', 'https', 'email', 'email-json']);
const PROTOCOLS = new Set([...PENDING_PROTOCOLS, 'sqs', 'lambda', 'firehose', 'application', 'sms']);

/** The topic a publish goes to, after the checks SNS makes first (ARN, region, failing topic, existence). */
function publishTarget(state: FakeSnsState, faults: FakeSnsFaults, call: Call, arn: string): FakeTopic {
  const parts = arn.split(':');
  // A topic is only reachable through its own region's endpoint: a client signing for another region is refused.
  if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sns' || parts[3] !== call.region) {
    throw new SnsError('InvalidParameter', 'Invalid parameter: TopicArn');
  }
  const failing = faults.failingTopics.get(arn);
  if (failing !== undefined) throw new SnsError(failing);
  const topic = state.topic(arn);
  if (topic === undefined) throw new SnsError('NotFound');
  return topic;
}

function maxMessageBytes(topic: FakeTopic): number {
  return Number(topic.attributes.MaximumMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES);
}

function accept(state: FakeSnsState, topic: FakeTopic, message: PublishedMessage): void {
  state.published.push(message);
  state.events.emit('publish', topic, message);
}

const ACTIONS: Record<string, Handler> = {
  CreateTopic(state, _faults, { params, region }) {
    const name = required(params, 'Name');
    // SNS API reference, CreateTopic: up to 256 letters, digits, hyphens and underscores; FIFO names end in .fifo.
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, '')))
      throw new SnsError('InvalidParameter', 'Invalid parameter: Topic Name');
    const topic = state.createTopic(name, { region, attributes: stringMap(params, 'Attributes') });
    return el('TopicArn', topic.arn);
  },

  DeleteTopic(state, _faults, { params }) {
    // Deleting a topic that does not exist is not an error (SNS API reference, DeleteTopic).
    state.topics.delete(required(params, 'TopicArn'));
    return null;
  },

  ListTopics(state, _faults, { params, region }) {
    const arns = [...state.topics.values()].filter((t) => t.region === region).map((t) => t.arn);
    const start = Number(params.get('NextToken') ?? 0);
    const page = arns.slice(start, start + PAGE_SIZE);
    const next = start + PAGE_SIZE < arns.length ? el('NextToken', String(start + PAGE_SIZE)) : '';
    return `<Topics>${page.map((arn) => `<member>${el('TopicArn', arn)}</member>`).join('')}</Topics>${next}`;
  },

  GetTopicAttributes(state, _faults, { params }) {
    const topic = state.topic(required(params, 'TopicArn'));
    if (topic === undefined) throw new SnsError('NotFound');
    const subs = [...topic.subscriptions.values()];
    return `<Attributes>${attributesXml({
      TopicArn: topic.arn,
      Owner: topic.accountId,
      DisplayName: '',
      Policy: JSON.stringify(defaultPolicy(topic)),
      SubscriptionsConfirmed: String(subs.filter((s) => s.confirmed).length),
      SubscriptionsPending: String(subs.filter((s) => !s.confirmed).length),
      SubscriptionsDeleted: '0',
      ...topic.attributes,
    })}</Attributes>`;
  },

  SetTopicAttributes(state, _faults, { params }) {
    const topic = state.topic(required(params, 'TopicArn'));
    if (topic === undefined) throw new SnsError('NotFound');
    const name = required(params, 'AttributeName');
    const value = params.get('AttributeValue') ?? '';
    if (name === 'MaximumMessageSize' && !(Number(value) >= 1_024 && Number(value) <= 1_048_576)) {
      throw new SnsError('InvalidParameter', 'Invalid parameter: MaximumMessageSize must be between 1024 and 1048576');
    }
    topic.attributes[name] = value;
    return null;
  },

  Subscribe(state, _faults, { params }) {
    const topic = state.topic(required(params, 'TopicArn'));
    if (topic === undefined) throw new SnsError('NotFound');
    const protocol = required(params, 'Protocol').toLowerCase();
    if (!PROTOCOLS.has(protocol))
      throw new SnsError('InvalidParameter', 'Invalid parameter: Amazon SNS does not support this protocol string');
    const endpoint = params.get('Endpoint') ?? '';
    if ((protocol === 'http' || protocol === 'https') && !endpoint.startsWith(`${protocol}://`)) {
      throw new SnsError('InvalidParameter', `Invalid parameter: Endpoint must match the specified protocol`);
    }
    let sub = [...topic.subscriptions.values()].find((s) => s.protocol === protocol && s.endpoint === endpoint);
    if (sub === undefined) {
      sub = {
        arn: `${topic.arn}:${randomUUID()}`,
        topicArn: topic.arn,
        protocol,
        endpoint,
        owner: state.accountId,
        attributes: stringMap(params, 'Attributes'),
        confirmed: !PENDING_PROTOCOLS.has(protocol),
        token: randomBytes(64).toString('hex'),
      };
      topic.subscriptions.set(sub.arn, sub);
      state.events.emit('subscribe', topic, sub);
    }
    // Pending subscriptions answer "pending confirmation" unless ReturnSubscriptionArn is true (API reference, Subscribe).
    const shown = sub.confirmed || params.get('ReturnSubscriptionArn') === 'true' ? sub.arn : 'pending confirmation';
    return el('SubscriptionArn', shown);
  },

  ConfirmSubscription(state, _faults, { params }) {
    const topic = state.topic(required(params, 'TopicArn'));
    if (topic === undefined) throw new SnsError('NotFound');
    const token = required(params, 'Token');
    const sub = [...topic.subscriptions.values()].find((s) => s.token === token);
    if (sub === undefined) throw new SnsError('InvalidParameter', 'Invalid token');
    sub.confirmed = true;
    if (params.get('AuthenticateOnUnsubscribe') === 'true') sub.attributes.ConfirmationWasAuthenticated = 'true';
    return el('SubscriptionArn', sub.arn);
  },

  Unsubscribe(state, _faults, { params }) {
    const arn = required(params, 'SubscriptionArn');
    for (const topic of state.topics.values()) {
      const sub = topic.subscriptions.get(arn);
      if (sub === undefined) continue;
      topic.subscriptions.delete(arn);
      state.events.emit('unsubscribe', topic, sub);
      return null;
    }
    throw new SnsError('NotFound', 'Subscription does not exist');
  },

  ListSubscriptionsByTopic(state, _faults, { params }) {
    const topic = state.topic(required(params, 'TopicArn'));
    if (topic === undefined) throw new SnsError('NotFound');
    const subs = [...topic.subscriptions.values()];
    const start = Number(params.get('NextToken') ?? 0);
    const members = subs
      .slice(start, start + PAGE_SIZE)
      .map(
        (s) =>
          `<member>${el('TopicArn', s.topicArn)}${el('Protocol', s.protocol)}${el('SubscriptionArn', s.confirmed ? s.arn : 'PendingConfirmation')}${el('Owner', s.owner)}${el('Endpoint', s.endpoint)}</member>`,
      )
      .join('');
    const next = start + PAGE_SIZE < subs.length ? el('NextToken', String(start + PAGE_SIZE)) : '';
    return `<Subscriptions>${members}</Subscriptions>${next}`;
  },

  Publish(state, faults, call) {
    const { params, requestId } = call;
    const arn = params.get('TopicArn') ?? params.get('TargetArn') ?? '';
    const body = params.get('Message') ?? '';
    if (body === '') throw new SnsError('InvalidParameter', 'Invalid parameter: Empty message');
    const attributes = messageAttributes(Object.fromEntries(params), 'MessageAttributes.entry.');
    const topic = publishTarget(state, faults, call, arn);
    if (sizeOf(body, attributes) > maxMessageBytes(topic))
      throw new SnsError('InvalidParameter', 'Invalid parameter: Message too long');
    const message: PublishedMessage = {
      topicArn: topic.arn,
      messageId: randomUUID(),
      body,
      attributes,
      action: 'Publish',
      requestId,
    };
    const subject = params.get('Subject');
    if (subject !== null) message.subject = subject;
    const structure = params.get('MessageStructure');
    if (structure !== null) message.messageStructure = structure;
    accept(state, topic, message);
    return el('MessageId', message.messageId);
  },

  PublishBatch(state, faults, call) {
    const { params, requestId, record } = call;
    const arn = required(params, 'TopicArn');
    const entries = indexed(params, 'PublishBatchRequestEntries.member.');
    record.entries = entries.length;
    // Shape errors first, as the API reference lists them for PublishBatch.
    if (entries.length === 0) throw new SnsError('EmptyBatchRequest');
    if (entries.length > 10) throw new SnsError('TooManyEntriesInBatchRequest');
    const ids = entries.map((e) => e.Id ?? '');
    if (ids.some((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id))) throw new SnsError('InvalidBatchEntryId');
    if (new Set(ids).size !== ids.length) throw new SnsError('BatchEntryIdsNotDistinct');
    const topic = publishTarget(state, faults, call, arn);

    const parsed = entries.map((fields) => {
      try {
        return { fields, attributes: messageAttributes(fields, 'MessageAttributes.entry.'), error: undefined };
      } catch (err) {
        return { fields, attributes: {}, error: err as SnsError };
      }
    });
    const total = parsed.reduce((n, p) => n + sizeOf(p.fields.Message ?? '', p.attributes), 0);
    if (total > maxMessageBytes(topic)) throw new SnsError('BatchRequestTooLong');

    const successful: string[] = [];
    const failed: string[] = [];
    const fail = (id: string, code: string, senderFault: boolean, message: string) =>
      failed.push(
        `<member>${el('Id', id)}${el('Code', code)}${el('SenderFault', String(senderFault))}${el('Message', message)}</member>`,
      );
    let failedOnPurpose = 0;
    for (const { fields, attributes, error } of parsed) {
      const id = fields.Id!;
      const body = fields.Message ?? '';
      if (error !== undefined) fail(id, error.code, true, error.message);
      else if (body === '') fail(id, 'InvalidParameter', true, 'Invalid parameter: Empty message');
      else if (faults.failEntry(call.forcedEntryFailure)) {
        failedOnPurpose++;
        fail(id, 'InternalError', false, 'Internal Error');
      } else {
        const message: PublishedMessage = {
          topicArn: topic.arn,
          messageId: randomUUID(),
          body,
          attributes,
          action: 'PublishBatch',
          batchEntryId: id,
          requestId,
        };
        if (fields.Subject !== undefined) message.subject = fields.Subject;
        if (fields.MessageStructure !== undefined) message.messageStructure = fields.MessageStructure;
        accept(state, topic, message);
        successful.push(`<member>${el('Id', id)}${el('MessageId', message.messageId)}</member>`);
      }
    }
    record.failedEntries = failedOnPurpose;
    return `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`;
  },
};

function defaultPolicy(topic: FakeTopic) {
  return {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:Publish', 'SNS:Subscribe', 'SNS:GetTopicAttributes', 'SNS:SetTopicAttributes'],
        Resource: topic.arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': topic.accountId } },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP server.

export interface FakeSns {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or `AWS_ENDPOINT_URL_SNS`. */
  endpoint: string;
  state: FakeSnsState;
  faults: FakeSnsFaults;
  server: http.Server;
  /** Resolves once every request received so far has been answered, dropped or abandoned. */
  idle(): Promise<void>;
  /** SDK client settings for this server: region, endpoint and throwaway credentials. */
  clientConfig(region?: string): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  close(): Promise<void>;
}

export interface FakeSnsOptions {
  /** PRNG seed of the fault injection. */
  seed?: number;
  accountId?: string;
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startFakeSns(options: FakeSnsOptions = {}): Promise<FakeSns> {
  const state = new FakeSnsState(options.accountId);
  const faults = new FakeSnsFaults(options.seed ?? 1);
  const pendingDelays = new Set<() => void>();
  // Requests received and not yet answered (or given up), so tests can wait for slow answers to play out.
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  const server = http.createServer((req, res) => {
    inFlight++;
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      inFlight--;
      if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', settle);
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8')).finally(settle);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const requestId = randomUUID();
    // The region is the one the client signed for: `Credential=AKID/20260101/eu-west-1/sns/aws4_request`.
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/sns\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1';
    const record: RequestRecord = { requestId, action, region, status: 'pending' };
    state.requests.push(record);
    const fault = faults.pick(action);
    if (fault !== undefined) record.fault = fault;

    if (fault === 'drop') {
      record.status = 'dropped';
      req.socket.destroy();
      return;
    }
    if (fault === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, faults.rates.slowMs);
        function done() {
          clearTimeout(timer);
          pendingDelays.delete(done);
          resolve();
        }
        pendingDelays.add(done);
      });
      // The client timed out and closed the connection: the request is lost in transit, nothing is applied.
      if (res.destroyed || req.socket.destroyed) {
        record.status = 'abandoned';
        return;
      }
    }

    let status = 200;
    let xml: string;
    try {
      if (req.method !== 'POST') throw new SnsError('InvalidAction', 'Only POST is supported');
      if (fault === 'throttle') throw new SnsError('Throttling');
      if (fault === 'internal-error') throw new SnsError('InternalError');
      const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (handler === undefined) throw new SnsError('InvalidAction', `Could not find operation ${action}`);
      xml = xmlResult(
        action,
        handler(state, faults, { params, region, requestId, record, forcedEntryFailure: fault === 'fail-entries' }),
        requestId,
      );
    } catch (err) {
      // A bug in this server answers as SNS's own failures do, rather than as an unhandled rejection.
      const error = err instanceof SnsError ? err : new SnsError('InternalError', String(err));
      status = ERRORS[error.code].status;
      xml = xmlError(error, requestId);
    }
    record.status = status;
    if (res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'text/xml',
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(xml),
    });
    res.end(xml);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    state,
    faults,
    server,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    clientConfig: (region = 'us-east-1') => ({
      region,
      endpoint,
      credentials: { accessKeyId: 'AKIDFAKESNS', secretAccessKey: 'fake-sns-secret' },
    }),
    close: async () => {
      for (const release of [...pendingDelays]) release();
      for (const wake of idleWaiters.splice(0)) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
