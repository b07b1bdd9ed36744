/**
 * Lambda's asynchronous invocation, as SNS and EventBridge use it: the event is queued, the function runs; when it
 * throws, Lambda runs it again, up to `maximumRetryAttempts` more times (default 2: three attempts in all), then
 * sends an invocation record to the on-failure destination (serverless.yml: the async-failures queue). The record
 * carries the whole event as `requestPayload`, which is what makes a failed event recoverable.
 * (Lambda developer guide, "Asynchronous invocation": retries and destinations, and the invocation record shape.)
 *
 * Lambda waits a minute, then two, between attempts; this model does not wait, but lets a test act between attempts.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'aws-lambda';

export type AsyncHandler<E> = (event: E, context: Context) => Promise<unknown>;

/** What Lambda sends to an on-failure destination. */
export interface InvocationRecord<E> {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted';
    approximateInvokeCount: number;
  };
  requestPayload: E;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string };
}

export interface AsyncRunStats {
  events: number;
  invocations: number;
  /** Attempts beyond the first. */
  retries: number;
  succeeded: number;
  /** Events sent to the on-failure destination. */
  failed: number;
}

export interface AsyncInvokerOptions {
  /** Retries after the first attempt (Lambda: 0-2, default 2). */
  maximumRetryAttempts?: number;
  functionArn?: string;
  /** Events in flight at once. */
  concurrency?: number;
}

export class AsyncInvoker<E> {
  readonly maximumRetryAttempts: number;
  readonly functionArn: string;
  readonly concurrency: number;
  readonly onFailure: Array<InvocationRecord<E>> = [];
  readonly stats: AsyncRunStats = { events: 0, invocations: 0, retries: 0, succeeded: 0, failed: 0 };

  constructor(options: AsyncInvokerOptions = {}) {
    this.maximumRetryAttempts = options.maximumRetryAttempts ?? 2;
    this.functionArn =
      options.functionArn ?? 'arn:aws:lambda:us-east-1:888888888888:function:ses-notification-bridge-test-route-async';
    this.concurrency = options.concurrency ?? 1;
  }

  /** Invokes the handler for one event with Lambda's retries; resolves once it succeeded or was sent on failure. */
  async invoke(handler: AsyncHandler<E>, event: E): Promise<'succeeded' | 'failed'> {
    const requestId = createHash('sha256')
      .update(`${this.stats.events}:${JSON.stringify(event)}`)
      .digest('hex')
      .slice(0, 32);
    this.stats.events++;
    let lastError: unknown;
    const attempts = this.maximumRetryAttempts + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.stats.invocations++;
      if (attempt > 1) this.stats.retries++;
      try {
        // The same request id on every attempt, as Lambda keeps it for retries of one event.
        await handler(event, { invokedFunctionArn: this.functionArn, awsRequestId: requestId } as Context);
        this.stats.succeeded++;
        return 'succeeded';
      } catch (err) {
        lastError = err;
      }
    }
    this.stats.failed++;
    this.onFailure.push({
      version: '1.0',
      timestamp: new Date(0).toISOString(),
      requestContext: {
        requestId,
        functionArn: `${this.functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: lastError instanceof Error ? lastError.name : 'Error',
        errorMessage: lastError instanceof Error ? lastError.message : String(lastError),
      },
    });
    return 'failed';
  }

  /** Invokes every event, `concurrency` at a time. */
  async invokeAll(handler: AsyncHandler<E>, events: Iterable<E>): Promise<AsyncRunStats> {
    const queue = [...events];
    const worker = async () => {
      for (let event = queue.shift(); event !== undefined; event = queue.shift()) await this.invoke(handler, event);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.concurrency) }, worker));
    return this.stats;
  }
}
