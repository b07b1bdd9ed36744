/**
 * The model behind the local SQS test server (fake-sqs-server.ts): queues, messages, receipt handles, redrive to a
 * dead-letter queue and message move tasks, with SQS's own checks and errors. No HTTP here: the server maps the
 * JSON protocol onto this state, and tests call it directly (`deliver`, `queueByName`, `finishMoveTasks`).
 */

import { createHash, randomUUID } from 'node:crypto';

export const FAKE_ACCOUNT_ID = '123456789012';
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

// ---------------------------------------------------------------------------------------------------------------
// Errors: the shape name (`__type`), the query code of the `x-amzn-query-error` header and the HTTP status, as the
// client's error schemas declare them.

export const ERRORS = {
  QueueDoesNotExist: {
    query: 'AWS.SimpleQueueService.NonExistentQueue',
    status: 400,
    message: 'The specified queue does not exist.',
  },
  QueueNameExists: {
    query: 'QueueAlreadyExists',
    status: 400,
    message: 'A queue already exists with the same name and a different value for attribute(s)',
  },
  ReceiptHandleIsInvalid: { query: 'ReceiptHandleIsInvalid', status: 404, message: 'The receipt handle is invalid.' },
  MessageNotInflight: {
    query: 'AWS.SimpleQueueService.MessageNotInflight',
    status: 400,
    message: 'The message referred to is not in flight.',
  },
  EmptyBatchRequest: {
    query: 'AWS.SimpleQueueService.EmptyBatchRequest',
    status: 400,
    message: 'There should be at least one entry in the request.',
  },
  TooManyEntriesInBatchRequest: {
    query: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    status: 400,
    message: 'Maximum number of entries per request are 10.',
  },
  BatchEntryIdsNotDistinct: {
    query: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    status: 400,
    message: 'Two or more batch entries in the request have the same Id.',
  },
  InvalidBatchEntryId: {
    query: 'AWS.SimpleQueueService.InvalidBatchEntryId',
    status: 400,
    message: 'A batch entry id can only contain alphanumeric characters, hyphens and underscores.',
  },
  BatchRequestTooLong: {
    query: 'AWS.SimpleQueueService.BatchRequestTooLong',
    status: 400,
    message: 'Batch requests cannot be longer than the maximum message size.',
  },
  PurgeQueueInProgress: {
    query: 'AWS.SimpleQueueService.PurgeQueueInProgress',
    status: 403,
    message: 'Only one PurgeQueue operation on a queue is allowed every 60 seconds.',
  },
  UnsupportedOperation: {
    query: 'AWS.SimpleQueueService.UnsupportedOperation',
    status: 400,
    message: 'This operation is not supported.',
  },
  ResourceNotFoundException: { query: 'ResourceNotFoundException', status: 404, message: 'Resource not found.' },
  RequestThrottled: { query: 'RequestThrottled', status: 403, message: 'Request is throttled.' },
  InvalidAttributeName: { query: 'InvalidAttributeName', status: 400, message: 'Unknown Attribute.' },
  InvalidAttributeValue: { query: 'InvalidAttributeValue', status: 400, message: 'Invalid attribute value.' },
  InvalidMessageContents: { query: 'InvalidMessageContents', status: 400, message: 'Invalid message contents.' },
  InvalidParameterValue: { query: 'InvalidParameterValue', status: 400, message: 'Invalid parameter value.' },
  MissingParameter: { query: 'MissingParameter', status: 400, message: 'A required parameter is missing.' },
  InternalError: { query: 'InternalError', status: 500, message: 'We encountered an internal error.' },
  UnknownOperationException: { query: 'UnknownOperationException', status: 400, message: 'Unknown operation.' },
} as const;
export type FakeSqsErrorCode = keyof typeof ERRORS;

export class SqsError extends Error {
  constructor(
    readonly code: FakeSqsErrorCode,
    message?: string,
  ) {
    super(message ?? ERRORS[code].message);
  }
}

export const invalidValue = (parameter: string, value: unknown, reason: string) =>
  new SqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`,
  );

// ---------------------------------------------------------------------------------------------------------------
// State.

export interface FakeSqsMessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as on the wire. */
  BinaryValue?: string;
}

export interface FakeSqsMessage {
  messageId: string;
  body: string;
  attributes: Record<string, FakeSqsMessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes: string | undefined;
  sentTimestamp: number;
  senderId: string;
  receiveCount: number;
  firstReceiveTimestamp: number | undefined;
  /** Epoch ms from which the message can be received (delay, then visibility timeout). */
  visibleAt: number;
  /** The receipt handle of the latest receive; older ones no longer delete or change the message. */
  receiptHandle: string | undefined;
  /** Set when the message was moved here from the queue it was sent to. */
  deadLetterSourceArn?: string;
}

export interface FakeQueue {
  name: string;
  url: string;
  arn: string;
  region: string;
  accountId: string;
  attributes: Record<string, string>;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  messages: FakeSqsMessage[];
  lastPurge: number | undefined;
}

export interface FakeMoveTask {
  taskHandle: string;
  sourceArn: string;
  destinationArn: string | undefined;
  maxNumberOfMessagesPerSecond: number | undefined;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  startedTimestamp: number;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number;
  failureReason?: string;
}

export interface SqsRequestRecord {
  requestId: string;
  action: string;
  /** The queue URL (or ARN for move tasks, name for CreateQueue/GetQueueUrl) the call named, if any. */
  resource: string | undefined;
  status: number | 'pending' | 'dropped';
  /** The error code answered, if any. */
  error?: FakeSqsErrorCode;
}

const QUEUE_ATTRIBUTE_DEFAULTS: Record<string, string> = {
  VisibilityTimeout: '30',
  MaximumMessageSize: String(DEFAULT_MAX_MESSAGE_BYTES),
  MessageRetentionPeriod: '345600',
  DelaySeconds: '0',
  ReceiveMessageWaitTimeSeconds: '0',
  SqsManagedSseEnabled: 'true',
};
export const SETTABLE = new Set([
  ...Object.keys(QUEUE_ATTRIBUTE_DEFAULTS),
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
]);
export const COMPUTED = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];
const INT_RANGES: Record<string, [number, number]> = {
  VisibilityTimeout: [0, 43_200],
  MaximumMessageSize: [1_024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  DelaySeconds: [0, 900],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};

export class FakeSqsState {
  /** By queue URL. */
  readonly queues = new Map<string, FakeQueue>();
  readonly requests: SqsRequestRecord[] = [];
  readonly moveTasks: FakeMoveTask[] = [];
  /** The clock every timestamp and timeout reads; tests may replace it. */
  now: () => number = Date.now;
  /** Called whenever a message may have become receivable (long polls wait on it). */
  onChange: () => void = () => {};
  private readonly receiveSeq = new Map<string, number>();

  constructor(
    readonly accountId = FAKE_ACCOUNT_ID,
    /** `http://127.0.0.1:<port>`: the origin of queue URLs. Set by the server once it listens. */
    public origin = 'http://127.0.0.1',
  ) {}

  /** Creates a queue (idempotent when the attributes match) in any region and account. */
  createQueue(
    name: string,
    where: { region?: string; accountId?: string; attributes?: Record<string, string> } = {},
  ): FakeQueue {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new SqsError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const region = where.region ?? 'us-east-1';
    const accountId = where.accountId ?? this.accountId;
    const attributes = { ...where.attributes };
    if (attributes.FifoQueue !== undefined) {
      throw new SqsError('UnsupportedOperation', 'FIFO queues are not modelled by this test server.');
    }
    const url = `${this.origin}/${accountId}/${name}`;
    const existing = this.queues.get(url);
    if (existing) {
      for (const [k, v] of Object.entries(attributes)) {
        if ((existing.attributes[k] ?? QUEUE_ATTRIBUTE_DEFAULTS[k]) !== v) throw new SqsError('QueueNameExists');
      }
      return existing;
    }
    this.validateAttributes(attributes);
    const now = this.now();
    const queue: FakeQueue = {
      name,
      url,
      arn: `arn:aws:sqs:${region}:${accountId}:${name}`,
      region,
      accountId,
      attributes: { ...QUEUE_ATTRIBUTE_DEFAULTS, ...attributes },
      createdTimestamp: Math.floor(now / 1000),
      lastModifiedTimestamp: Math.floor(now / 1000),
      messages: [],
      lastPurge: undefined,
    };
    this.queues.set(url, queue);
    return queue;
  }

  /** The queue with this URL; QueueDoesNotExist otherwise. */
  queue(url: string): FakeQueue {
    const queue = this.queues.get(url);
    if (queue === undefined) throw new SqsError('QueueDoesNotExist');
    return queue;
  }

  queueByArn(arn: string): FakeQueue | undefined {
    for (const q of this.queues.values()) if (q.arn === arn) return q;
    return undefined;
  }

  queueByName(name: string, accountId = this.accountId): FakeQueue | undefined {
    for (const q of this.queues.values()) if (q.name === name && q.accountId === accountId) return q;
    return undefined;
  }

  /** Validates attributes as SetQueueAttributes does; throws the SQS error. */
  validateAttributes(attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (!SETTABLE.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      const range = INT_RANGES[name];
      if (range !== undefined) {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < range[0] || n > range[1]) {
          throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
        }
      }
      if (name === 'Policy' || name === 'RedriveAllowPolicy') {
        if (value !== '' && !isJsonObject(value))
          throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      }
      if (name === 'RedrivePolicy' && value !== '') this.redrivePolicy(value);
    }
  }

  private redrivePolicy(value: string): { deadLetterTargetArn: string; maxReceiveCount: number } {
    const bad = (reason: string) => invalidValue('RedrivePolicy', value, reason);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw bad('Redrive policy is not a valid JSON map.');
    }
    const p = parsed as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    if (typeof p.deadLetterTargetArn !== 'string')
      throw bad('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
    const max = Number(p.maxReceiveCount);
    if (!Number.isInteger(max) || max < 1 || max > 1_000)
      throw bad('Invalid value for maxReceiveCount: must be between 1 and 1000.');
    if (this.queueByArn(p.deadLetterTargetArn) === undefined) throw bad('Dead letter target does not exist.');
    return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: max };
  }

  setAttributes(queue: FakeQueue, attributes: Record<string, string>): void {
    if (attributes.FifoQueue !== undefined) throw new SqsError('InvalidAttributeName', 'Unknown Attribute FifoQueue.');
    this.validateAttributes(attributes);
    Object.assign(queue.attributes, attributes);
    queue.lastModifiedTimestamp = Math.floor(this.now() / 1000);
    this.onChange();
  }

  /** Every attribute GetQueueAttributes would answer for `All`. */
  allAttributes(queue: FakeQueue): Record<string, string> {
    const now = this.now();
    const visible = queue.messages.filter((m) => m.visibleAt <= now);
    const delayed = queue.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0);
    const out: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(visible.length),
      ApproximateNumberOfMessagesNotVisible: String(queue.messages.length - visible.length - delayed.length),
      ApproximateNumberOfMessagesDelayed: String(delayed.length),
      CreatedTimestamp: String(queue.createdTimestamp),
      LastModifiedTimestamp: String(queue.lastModifiedTimestamp),
    };
    for (const [k, v] of Object.entries(queue.attributes)) if (v !== '') out[k] = v;
    return out;
  }

  /**
   * Enqueues a message as SendMessage does, after the same checks (body characters and size, attributes). This is
   * what an SNS subscription delivery calls.
   */
  deliver(
    queueArn: string,
    body: string,
    attributes: Record<string, FakeSqsMessageAttribute> = {},
    options: { delaySeconds?: number; senderId?: string } = {},
  ): FakeSqsMessage {
    const queue = this.queueByArn(queueArn);
    if (queue === undefined) throw new SqsError('QueueDoesNotExist');
    return this.enqueue(queue, body, attributes, options);
  }

  enqueue(
    queue: FakeQueue,
    body: string,
    attributes: Record<string, FakeSqsMessageAttribute>,
    options: { delaySeconds?: number; senderId?: string } = {},
  ): FakeSqsMessage {
    checkBody(body);
    checkMessageAttributes(attributes);
    const max = Number(queue.attributes.MaximumMessageSize);
    if (messageSize(body, attributes) > max) {
      throw invalidValue('MessageBody', 'MessageBody', `Message must be shorter than ${max} bytes.`);
    }
    const delay = options.delaySeconds ?? Number(queue.attributes.DelaySeconds);
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidValue('DelaySeconds', delay, 'DelaySeconds must be >= 0 and <= 900.');
    }
    const now = this.now();
    const message: FakeSqsMessage = {
      messageId: randomUUID(),
      body,
      attributes,
      md5OfBody: md5(body),
      md5OfMessageAttributes: Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined,
      sentTimestamp: now,
      senderId: options.senderId ?? 'AIDAFAKESQSSENDER',
      receiveCount: 0,
      firstReceiveTimestamp: undefined,
      visibleAt: now + delay * 1000,
      receiptHandle: undefined,
    };
    queue.messages.push(message);
    this.onChange();
    return message;
  }

  /**
   * Receives up to `max` visible messages, moving to the dead-letter queue those already received
   * `maxReceiveCount` times (as SQS does when a receive would exceed the count).
   */
  receive(queue: FakeQueue, max: number, visibilityTimeout: number): FakeSqsMessage[] {
    const now = this.now();
    const redrive = queue.attributes.RedrivePolicy ? this.redrivePolicy(queue.attributes.RedrivePolicy) : undefined;
    const out: FakeSqsMessage[] = [];
    let moved = false;
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount) {
        const dlq = this.queueByArn(redrive.deadLetterTargetArn);
        if (dlq !== undefined) {
          this.remove(queue, message);
          message.deadLetterSourceArn = queue.arn;
          message.receiptHandle = undefined;
          message.visibleAt = now;
          dlq.messages.push(message);
          moved = true;
          continue;
        }
      }
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + visibilityTimeout * 1000;
      const seq = (this.receiveSeq.get(message.messageId) ?? 0) + 1;
      this.receiveSeq.set(message.messageId, seq);
      message.receiptHandle = Buffer.from(JSON.stringify({ q: queue.arn, m: message.messageId, n: seq })).toString(
        'base64',
      );
      out.push(message);
    }
    if (moved) this.onChange();
    return out;
  }

  /** The message a receipt handle names in this queue: `undefined` when it was deleted or received again since. */
  byReceiptHandle(queue: FakeQueue, handle: string): FakeSqsMessage | undefined {
    const parsed = parseReceiptHandle(handle);
    if (parsed === undefined || parsed.q !== queue.arn) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    }
    return queue.messages.find((m) => m.messageId === parsed.m && m.receiptHandle === handle);
  }

  remove(queue: FakeQueue, message: FakeSqsMessage): void {
    const i = queue.messages.indexOf(message);
    if (i >= 0) queue.messages.splice(i, 1);
  }

  /** Starts moving a dead-letter queue's messages back (to their source queues, or to `destinationArn`). */
  startMoveTask(sourceArn: string, destinationArn: string | undefined, rate: number | undefined): FakeMoveTask {
    const source = this.queueByArn(sourceArn);
    if (source === undefined)
      throw new SqsError(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      );
    const isDlq = [...this.queues.values()].some(
      (q) =>
        q.attributes.RedrivePolicy && this.redrivePolicy(q.attributes.RedrivePolicy).deadLetterTargetArn === sourceArn,
    );
    if (!isDlq) throw invalidValue('SourceArn', sourceArn, 'Source queue must be configured as a Dead Letter Queue.');
    if (destinationArn !== undefined && this.queueByArn(destinationArn) === undefined) {
      throw new SqsError(
        'ResourceNotFoundException',
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
      );
    }
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= 500)) {
      throw invalidValue('MaxNumberOfMessagesPerSecond', rate, 'Must be between 1 and 500.');
    }
    if (
      this.moveTasks.some((t) => t.sourceArn === sourceArn && (t.status === 'RUNNING' || t.status === 'CANCELLING'))
    ) {
      throw new SqsError(
        'UnsupportedOperation',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    }
    const now = this.now();
    const task: FakeMoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      sourceArn,
      destinationArn,
      maxNumberOfMessagesPerSecond: rate,
      status: 'RUNNING',
      startedTimestamp: now,
      approximateNumberOfMessagesMoved: 0,
      approximateNumberOfMessagesToMove: source.messages.filter((m) => m.visibleAt <= now).length,
    };
    this.moveTasks.push(task);
    return task;
  }

  /** Moves up to `count` messages of a running task; completes it when nothing is left to move. */
  stepMoveTask(task: FakeMoveTask, count: number): void {
    if (task.status === 'CANCELLING') {
      task.status = 'CANCELLED';
      return;
    }
    if (task.status !== 'RUNNING') return;
    const source = this.queueByArn(task.sourceArn);
    if (source === undefined) {
      task.status = 'FAILED';
      task.failureReason = 'AWS.SimpleQueueService.NonExistentQueue';
      return;
    }
    const now = this.now();
    for (let moved = 0; moved < count; moved++) {
      if (task.approximateNumberOfMessagesMoved >= task.approximateNumberOfMessagesToMove) break;
      const message = source.messages.find((m) => m.visibleAt <= now);
      if (message === undefined) break;
      const targetArn = task.destinationArn ?? message.deadLetterSourceArn;
      const target = targetArn === undefined ? undefined : this.queueByArn(targetArn);
      if (target === undefined) {
        task.status = 'FAILED';
        task.failureReason = 'AWS.SimpleQueueService.NonExistentQueue';
        return;
      }
      this.remove(source, message);
      message.receiveCount = 0;
      message.firstReceiveTimestamp = undefined;
      message.receiptHandle = undefined;
      delete message.deadLetterSourceArn;
      message.visibleAt = now;
      target.messages.push(message);
      task.approximateNumberOfMessagesMoved++;
    }
    if (
      task.approximateNumberOfMessagesMoved >= task.approximateNumberOfMessagesToMove ||
      !source.messages.some((m) => m.visibleAt <= now)
    ) {
      task.status = 'COMPLETED';
    }
    this.onChange();
  }

  /** Runs every running move task to its end at once (tests that do not care about pacing). */
  finishMoveTasks(): void {
    for (const task of this.moveTasks)
      while (task.status === 'RUNNING' || task.status === 'CANCELLING') this.stepMoveTask(task, 1_000);
  }

  /** Requests received, optionally of one action. */
  requestCount(action?: string): number {
    return action === undefined ? this.requests.length : this.requests.filter((r) => r.action === action).length;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Checks and digests.

function isJsonObject(text: string): boolean {
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (SendMessage reference). */
function firstInvalidCharacter(text: string): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return c;
  }
  return undefined;
}

export function checkBody(body: string): void {
  if (body === '') throw new SqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
  const bad = firstInvalidCharacter(body);
  if (bad !== undefined) {
    throw new SqsError(
      'InvalidMessageContents',
      `Invalid binary character '#x${bad.toString(16).toUpperCase()}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
}

function checkMessageAttributes(attributes: Record<string, FakeSqsMessageAttribute>): void {
  const names = Object.keys(attributes);
  if (names.length > 10)
    throw invalidValue(
      'MessageAttributes',
      names.length,
      `Number of message attributes [${names.length}] exceeds the allowed maximum [10].`,
    );
  for (const name of names) {
    // SQS developer guide, "Amazon SQS message attributes": name characters, no aws./amazon. prefix, no "..".
    if (
      !/^[A-Za-z0-9_.-]{1,256}$/.test(name) ||
      /^(aws|amazon)\./i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      name.includes('..')
    ) {
      throw new SqsError('InvalidParameterValue', `Message (user) attribute '${name}' has an invalid name.`);
    }
    const a = attributes[name]!;
    if (!/^(String|Number|Binary)(\..+)?$/.test(a.DataType ?? '')) {
      throw new SqsError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const value = a.DataType.startsWith('Binary') ? a.BinaryValue : a.StringValue;
    if (value === undefined || value === '') {
      throw new SqsError(
        'InvalidParameterValue',
        `Message (user) attribute '${name}' must contain a non-empty value of type '${a.DataType}'.`,
      );
    }
    if (a.StringValue !== undefined && firstInvalidCharacter(a.StringValue) !== undefined) {
      throw new SqsError(
        'InvalidParameterValue',
        `Message (user) attribute '${name}' value contains invalid characters.`,
      );
    }
  }
}

export function messageSize(body: string, attributes: Record<string, FakeSqsMessageAttribute>): number {
  let n = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    n +=
      a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue, 'base64').length
        : Buffer.byteLength(a.StringValue ?? '');
  }
  return n;
}

export function md5(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}

/** Names sorted; each of name, type and value as a 4-byte big-endian length and its bytes; a transport byte. */
export function md5OfMessageAttributes(attributes: Record<string, FakeSqsMessageAttribute>): string {
  const parts: Buffer[] = [];
  const field = (bytes: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    parts.push(len, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name]!;
    field(Buffer.from(name));
    field(Buffer.from(a.DataType));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      field(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      field(Buffer.from(a.StringValue ?? ''));
    }
  }
  return md5(Buffer.concat(parts));
}

export function parseReceiptHandle(handle: string): { q: string; m: string; n: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
    return typeof v?.q === 'string' && typeof v?.m === 'string' && typeof v?.n === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}
