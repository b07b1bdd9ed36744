/**
 * A small SQS-compatible server for tests: the AWS JSON 1.0 protocol @aws-sdk/client-sqs 3.1169 speaks (POST /,
 * `X-Amz-Target: AmazonSQS.<Action>`, `Content-Type: application/x-amz-json-1.0`, member names as in the model),
 * and SQS's own errors. SQS is an "awsQueryCompatible" service: an error answer carries `__type`
 * (`com.amazonaws.sqs#QueueDoesNotExist`) and the `x-amzn-query-error: <query code>;<Sender|Receiver>` header, from
 * which the SDK sets `error.name` (the modelled shape, e.g. `QueueDoesNotExist`) and `error.Code` (the query code,
 * e.g. `AWS.SimpleQueueService.NonExistentQueue`); unmodelled codes (`InvalidParameterValue`, `MissingParameter`)
 * become the error's name. Checked against the client's schemas (dist-cjs/index.js: `awsQueryError` traits) and
 * AwsJsonRpcProtocol.handleError in @aws-sdk/core.
 *
 * Modelled: standard queues (FIFO queues are refused with UnsupportedOperation rather than half-modelled), visibility
 * timeouts, long polling (bounded by `maxWaitMs` so a test never sleeps 20 s), delays, redrive to a dead-letter queue
 * after `maxReceiveCount` receives, dead-letter queue redrive (StartMessageMoveTask / ListMessageMoveTasks /
 * CancelMessageMoveTask), PurgeQueue's 60-second rule, receipt handles that go stale on the next receive. The body's
 * MD5 (which the SDK checks) and the message attributes' MD5 follow the SQS developer guide
 * ("Calculating the MD5 message digest for message attributes").
 *
 * Tests reach the state directly: `state.deliver(queueArn, body, attributes)` (what an SNS subscription delivery
 * does), `state.queueByName(name)`, `state.requests` (action and queue of every call).
 */

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  COMPUTED,
  ERRORS,
  type FakeMoveTask,
  type FakeQueue,
  type FakeSqsMessage,
  type FakeSqsMessageAttribute,
  FakeSqsState,
  invalidValue,
  md5OfMessageAttributes,
  messageSize,
  SETTABLE,
  SqsError,
  type SqsRequestRecord,
} from './fake-sqs-state';

export * from './fake-sqs-state';

const TARGET_PREFIX = 'AmazonSQS.';
const PURGE_INTERVAL_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------------
// Actions. Input is the parsed JSON body; output is the JSON answer (`{}` for operations without output).

type Input = Record<string, unknown>;
interface Call {
  input: Input;
  region: string;
  record: SqsRequestRecord;
  /** Resolves after at most `ms`, earlier when a message may have become receivable or the server closes. */
  wait(ms: number): Promise<void>;
  maxWaitMs: number;
}
type Handler = (state: FakeSqsState, call: Call) => unknown | Promise<unknown>;

function str(input: Input, name: string, required: true): string;
function str(input: Input, name: string, required?: false): string | undefined;
function str(input: Input, name: string, required = false): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) {
    if (required) throw new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
    return undefined;
  }
  if (typeof v !== 'string') throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  return v;
}

function int(input: Input, name: string, min: number, max: number, reason: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidValue(name, v, reason);
  return v;
}

function stringList(input: Input, name: string): string[] {
  const v = input[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  return v as string[];
}

function stringMap(input: Input, name: string): Record<string, string> {
  const v = input[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new SqsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`);
  }
  return v as Record<string, string>;
}

function messageAttributesOf(v: unknown): Record<string, FakeSqsMessageAttribute> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new SqsError('InvalidParameterValue', 'Value for parameter MessageAttributes is invalid.');
  return v as Record<string, FakeSqsMessageAttribute>;
}

function queueOf(state: FakeSqsState, call: Call): FakeQueue {
  const url = str(call.input, 'QueueUrl', true);
  call.record.resource = url;
  return state.queue(url);
}

function batchEntries(input: Input): Input[] {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0) throw new SqsError('EmptyBatchRequest');
  if (entries.length > 10)
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const ids = entries.map((e) => (e as Input).Id);
  for (const id of ids) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new SqsError('InvalidBatchEntryId');
  }
  if (new Set(ids).size !== ids.length)
    throw new SqsError('BatchEntryIdsNotDistinct', `Id ${ids.find((id, i) => ids.indexOf(id) !== i)} repeated.`);
  return entries as Input[];
}

function entryError(id: string, err: unknown) {
  const e = err instanceof SqsError ? err : new SqsError('InternalError', String(err));
  return { Id: id, SenderFault: ERRORS[e.code].status < 500, Code: ERRORS[e.code].query, Message: e.message };
}

function wantedNames(requested: string[], names: string[]): string[] {
  if (requested.includes('All') || requested.includes('.*')) return names;
  return names.filter((n) => requested.some((r) => r === n || (r.endsWith('.*') && n.startsWith(r.slice(0, -1)))));
}

function messageOut(m: FakeSqsMessage, systemNames: string[], attributeNames: string[]) {
  const system: Record<string, string> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentTimestamp),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: String(m.firstReceiveTimestamp ?? m.sentTimestamp),
  };
  if (m.deadLetterSourceArn !== undefined) system.DeadLetterQueueSourceArn = m.deadLetterSourceArn;
  const attributes = Object.fromEntries(wantedNames(systemNames, Object.keys(system)).map((n) => [n, system[n]!]));
  const userNames = wantedNames(attributeNames, Object.keys(m.attributes));
  const user = Object.fromEntries(userNames.map((n) => [n, m.attributes[n]!]));
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(userNames.length > 0 ? { MD5OfMessageAttributes: md5OfMessageAttributes(user), MessageAttributes: user } : {}),
  };
}

function moveTaskOut(t: FakeMoveTask) {
  return {
    TaskHandle: t.status === 'RUNNING' ? t.taskHandle : undefined,
    Status: t.status,
    SourceArn: t.sourceArn,
    DestinationArn: t.destinationArn,
    MaxNumberOfMessagesPerSecond: t.maxNumberOfMessagesPerSecond,
    ApproximateNumberOfMessagesMoved: t.approximateNumberOfMessagesMoved,
    ApproximateNumberOfMessagesToMove: t.approximateNumberOfMessagesToMove,
    FailureReason: t.failureReason,
    StartedTimestamp: t.startedTimestamp,
  };
}

const ACTIONS: Record<string, Handler> = {
  CreateQueue(state, { input, region, record }) {
    const name = str(input, 'QueueName', true);
    record.resource = name;
    return { QueueUrl: state.createQueue(name, { region, attributes: stringMap(input, 'Attributes') }).url };
  },

  GetQueueUrl(state, { input, record }) {
    const name = str(input, 'QueueName', true);
    record.resource = name;
    const queue = state.queueByName(name, str(input, 'QueueOwnerAWSAccountId') ?? state.accountId);
    if (queue === undefined) throw new SqsError('QueueDoesNotExist');
    return { QueueUrl: queue.url };
  },

  DeleteQueue(state, call) {
    state.queues.delete(queueOf(state, call).url);
    return {};
  },

  ListQueues(state, { input, region }) {
    const prefix = str(input, 'QueueNamePrefix') ?? '';
    const max = int(input, 'MaxResults', 1, 1_000, 'MaxResults must be between 1 and 1000.');
    const token = str(input, 'NextToken');
    const urls = [...state.queues.values()]
      .filter((q) => q.region === region && q.name.startsWith(prefix))
      .map((q) => q.url)
      .sort();
    const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString());
    if (!Number.isInteger(start) || start < 0) throw invalidValue('NextToken', token, 'Invalid NextToken value.');
    const end = max === undefined ? Math.min(urls.length, start + 1_000) : Math.min(urls.length, start + max);
    const page = urls.slice(start, end);
    return {
      ...(page.length > 0 ? { QueueUrls: page } : {}),
      ...(max !== undefined && end < urls.length ? { NextToken: Buffer.from(String(end)).toString('base64') } : {}),
    };
  },

  GetQueueAttributes(state, call) {
    const queue = queueOf(state, call);
    const requested = stringList(call.input, 'AttributeNames');
    const all = state.allAttributes(queue);
    for (const name of requested) {
      if (name !== 'All' && !SETTABLE.has(name) && !COMPUTED.includes(name) && name !== 'FifoQueue') {
        throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    const names = requested.includes('All') ? Object.keys(all) : requested.filter((n) => all[n] !== undefined);
    return names.length > 0 ? { Attributes: Object.fromEntries(names.map((n) => [n, all[n]!])) } : {};
  },

  SetQueueAttributes(state, call) {
    const queue = queueOf(state, call);
    const attributes = call.input.Attributes;
    if (attributes === undefined || attributes === null)
      throw new SqsError('MissingParameter', 'The request must contain the parameter Attributes.');
    state.setAttributes(queue, stringMap(call.input, 'Attributes'));
    return {};
  },

  PurgeQueue(state, call) {
    const queue = queueOf(state, call);
    const now = state.now();
    if (queue.lastPurge !== undefined && now - queue.lastPurge < PURGE_INTERVAL_MS) {
      throw new SqsError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    }
    queue.lastPurge = now;
    queue.messages.length = 0;
    return {};
  },

  SendMessage(state, call) {
    const queue = queueOf(state, call);
    const { input } = call;
    const body = str(input, 'MessageBody', true);
    const delaySeconds = int(input, 'DelaySeconds', 0, 900, 'DelaySeconds must be >= 0 and <= 900.');
    if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalidValue(
        'MessageGroupId',
        input.MessageGroupId ?? input.MessageDeduplicationId,
        'The request include parameter that is not valid for this queue type.',
      );
    }
    const m = state.enqueue(
      queue,
      body,
      messageAttributesOf(input.MessageAttributes),
      delaySeconds === undefined ? {} : { delaySeconds },
    );
    return { MessageId: m.messageId, MD5OfMessageBody: m.md5OfBody, MD5OfMessageAttributes: m.md5OfMessageAttributes };
  },

  SendMessageBatch(state, call) {
    const queue = queueOf(state, call);
    const entries = batchEntries(call.input);
    const total = entries.reduce(
      (n, e) =>
        n +
        messageSize(typeof e.MessageBody === 'string' ? e.MessageBody : '', messageAttributesOf(e.MessageAttributes)),
      0,
    );
    const max = Number(queue.attributes.MaximumMessageSize);
    if (total > max)
      throw new SqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${max} bytes. You have sent ${total} bytes.`,
      );
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of entries) {
      const id = e.Id as string;
      try {
        const delaySeconds = int(e, 'DelaySeconds', 0, 900, 'DelaySeconds must be >= 0 and <= 900.');
        const m = state.enqueue(
          queue,
          str(e, 'MessageBody', true),
          messageAttributesOf(e.MessageAttributes),
          delaySeconds === undefined ? {} : { delaySeconds },
        );
        Successful.push({
          Id: id,
          MessageId: m.messageId,
          MD5OfMessageBody: m.md5OfBody,
          MD5OfMessageAttributes: m.md5OfMessageAttributes,
        });
      } catch (err) {
        Failed.push(entryError(id, err));
      }
    }
    return { Successful, Failed };
  },

  async ReceiveMessage(state, call) {
    const queue = queueOf(state, call);
    const { input } = call;
    const max = int(input, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility = int(input, 'VisibilityTimeout', 0, 43_200, 'Must be between 0 and 43200, if provided.');
    const wait =
      int(input, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.') ??
      Number(queue.attributes.ReceiveMessageWaitTimeSeconds);
    const systemNames = [...stringList(input, 'AttributeNames'), ...stringList(input, 'MessageSystemAttributeNames')];
    const attributeNames = stringList(input, 'MessageAttributeNames');
    const deadline = Date.now() + Math.min(wait * 1000, call.maxWaitMs);
    for (;;) {
      const live = state.queues.get(queue.url);
      if (live === undefined) throw new SqsError('QueueDoesNotExist');
      const got = state.receive(live, max, visibility ?? Number(live.attributes.VisibilityTimeout));
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0) {
        return got.length > 0 ? { Messages: got.map((m) => messageOut(m, systemNames, attributeNames)) } : {};
      }
      // Visibility timeouts end without an event: look again at least every 100 ms.
      await call.wait(Math.min(left, 100));
    }
  },

  DeleteMessage(state, call) {
    const queue = queueOf(state, call);
    const message = state.byReceiptHandle(queue, str(call.input, 'ReceiptHandle', true));
    // A stale receipt handle succeeds without deleting (SQS developer guide, "Amazon SQS visibility timeout").
    if (message !== undefined) state.remove(queue, message);
    return {};
  },

  DeleteMessageBatch(state, call) {
    const queue = queueOf(state, call);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of batchEntries(call.input)) {
      try {
        const message = state.byReceiptHandle(queue, str(e, 'ReceiptHandle', true));
        if (message !== undefined) state.remove(queue, message);
        Successful.push({ Id: e.Id });
      } catch (err) {
        Failed.push(entryError(e.Id as string, err));
      }
    }
    return { Successful, Failed };
  },

  ChangeMessageVisibility(state, call) {
    const queue = queueOf(state, call);
    changeVisibility(state, queue, call.input);
    return {};
  },

  ChangeMessageVisibilityBatch(state, call) {
    const queue = queueOf(state, call);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of batchEntries(call.input)) {
      try {
        changeVisibility(state, queue, e);
        Successful.push({ Id: e.Id });
      } catch (err) {
        Failed.push(entryError(e.Id as string, err));
      }
    }
    return { Successful, Failed };
  },

  StartMessageMoveTask(state, { input, record }) {
    const sourceArn = str(input, 'SourceArn', true);
    record.resource = sourceArn;
    const rate = input.MaxNumberOfMessagesPerSecond;
    const task = state.startMoveTask(
      sourceArn,
      str(input, 'DestinationArn'),
      typeof rate === 'number' ? rate : undefined,
    );
    return { TaskHandle: task.taskHandle };
  },

  ListMessageMoveTasks(state, { input, record }) {
    const sourceArn = str(input, 'SourceArn', true);
    record.resource = sourceArn;
    if (state.queueByArn(sourceArn) === undefined) throw new SqsError('ResourceNotFoundException');
    const max = int(input, 'MaxResults', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const tasks = state.moveTasks
      .filter((t) => t.sourceArn === sourceArn)
      .reverse()
      .slice(0, max);
    return { Results: tasks.map(moveTaskOut) };
  },

  CancelMessageMoveTask(state, { input, record }) {
    const handle = str(input, 'TaskHandle', true);
    const task = state.moveTasks.find((t) => t.taskHandle === handle);
    if (task === undefined) throw new SqsError('ResourceNotFoundException', 'Task does not exist.');
    record.resource = task.sourceArn;
    if (task.status !== 'RUNNING') throw new SqsError('UnsupportedOperation', 'Only RUNNING tasks can be cancelled.');
    task.status = 'CANCELLING';
    return { ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved };
  },
};

function changeVisibility(state: FakeSqsState, queue: FakeQueue, input: Input): void {
  const handle = str(input, 'ReceiptHandle', true);
  const timeout = input.VisibilityTimeout;
  if (timeout === undefined || timeout === null)
    throw new SqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
  const seconds = int(
    input,
    'VisibilityTimeout',
    0,
    43_200,
    'Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
  ) as number;
  const message = state.byReceiptHandle(queue, handle);
  if (message === undefined) {
    throw invalidValue(
      'ReceiptHandle',
      handle,
      'Message does not exist or is not available for visibility timeout change.',
    );
  }
  const now = state.now();
  if (message.visibleAt <= now) throw new SqsError('MessageNotInflight');
  message.visibleAt = now + seconds * 1000;
  if (seconds === 0) state.onChange();
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP server.

export interface FakeSqs {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or `AWS_ENDPOINT_URL_SQS`. */
  endpoint: string;
  state: FakeSqsState;
  server: http.Server;
  /** SDK client settings for this server: region, endpoint and throwaway credentials. */
  clientConfig(region?: string): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** The next `count` requests of `action` (any action when omitted) fail with `code` before doing anything. */
  failNext(code: 'RequestThrottled' | 'InternalError', count?: number, action?: string): void;
  close(): Promise<void>;
}

export interface FakeSqsOptions {
  accountId?: string;
  /** Longest real wait of a long poll, whatever WaitTimeSeconds asks (default 2 s). */
  maxWaitMs?: number;
  /** Milliseconds between two steps of a message move task (each step moves MaxNumberOfMessagesPerSecond / 10). */
  moveTaskTickMs?: number;
  /** Port to listen on (default: a free one). */
  port?: number;
}

/** Starts the server on 127.0.0.1. */
export async function startFakeSqs(options: FakeSqsOptions = {}): Promise<FakeSqs> {
  const state = new FakeSqsState(options.accountId);
  const maxWaitMs = options.maxWaitMs ?? 2_000;
  const waiters = new Set<() => void>();
  state.onChange = () => {
    for (const wake of [...waiters]) wake();
  };
  const injected: Array<{ code: 'RequestThrottled' | 'InternalError'; action: string | undefined }> = [];
  let closing = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });

  const moveTimer = setInterval(() => {
    for (const task of state.moveTasks) {
      if (task.status === 'RUNNING' || task.status === 'CANCELLING') {
        state.stepMoveTask(task, Math.max(1, Math.ceil((task.maxNumberOfMessagesPerSecond ?? 500) / 10)));
      }
    }
  }, options.moveTaskTickMs ?? 100);
  moveTimer.unref();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const requestId = randomUUID();
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const region = /Credential=[^/]+\/\d{8}\/([^/]+)\/sqs\//.exec(req.headers.authorization ?? '')?.[1] ?? 'us-east-1';
    const record: SqsRequestRecord = { requestId, action, resource: undefined, status: 'pending' };
    state.requests.push(record);
    let status = 200;
    let answer: unknown;
    let error: SqsError | undefined;
    try {
      if (req.method !== 'POST' || req.url !== '/')
        throw new SqsError('UnknownOperationException', 'Only POST / is supported.');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.0')) {
        throw new SqsError('InvalidParameterValue', 'Content-Type must be application/x-amz-json-1.0.');
      }
      const handler = target.startsWith(TARGET_PREFIX) && Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (handler === undefined) throw new SqsError('UnknownOperationException', `Unknown operation ${target}.`);
      let input: unknown;
      try {
        input = JSON.parse(text === '' ? '{}' : text);
      } catch {
        throw new SqsError('InvalidParameterValue', 'The request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new SqsError('InvalidParameterValue', 'The request body must be a JSON object.');
      const named = input as Input;
      const resource = named.QueueUrl ?? named.QueueName ?? named.SourceArn;
      if (typeof resource === 'string') record.resource = resource;
      const i = injected.findIndex((f) => f.action === undefined || f.action === action);
      if (i >= 0) throw new SqsError(injected.splice(i, 1)[0]!.code);
      answer = await handler(state, { input: input as Input, region, record, wait, maxWaitMs });
    } catch (err) {
      // A bug in this server answers as SQS's own failures do, rather than as an unhandled rejection.
      error = err instanceof SqsError ? err : new SqsError('InternalError', String(err));
      status = ERRORS[error.code].status;
      record.error = error.code;
    }
    record.status = status;
    if (res.destroyed) return;
    const headers: Record<string, string | number> = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': requestId,
    };
    let body: string;
    if (error === undefined) {
      body = JSON.stringify(answer ?? {});
    } else {
      const spec = ERRORS[error.code];
      headers['x-amzn-query-error'] = `${spec.query};${spec.status >= 500 ? 'Receiver' : 'Sender'}`;
      body = JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message });
    }
    headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  state.origin = endpoint;

  return {
    endpoint,
    state,
    server,
    clientConfig: (region = 'us-east-1') => ({
      region,
      endpoint,
      credentials: { accessKeyId: 'AKIDFAKESQS', secretAccessKey: 'fake-sqs-secret' },
    }),
    failNext: (code, count = 1, action) => {
      for (let n = 0; n < count; n++) injected.push({ code, action });
    },
    close: async () => {
      closing = true;
      clearInterval(moveTimer);
      for (const wake of [...waiters]) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
