import http from 'node:http';
import type { FakeSns, FakeSubscription, FakeTopic, PublishedMessage } from './fake-sns-server';
import {
  confirmationBody,
  SNS_TEST_SIGNER,
  signBody,
  snsHeaders,
  type TestSigner,
  testCertUrl,
  type UnsignedBody,
} from './sns-signing';

/** One POST to an endpoint (every attempt is recorded). */
export interface HttpDeliveryAttempt {
  type: 'SubscriptionConfirmation' | 'Notification' | 'UnsubscribeConfirmation';
  messageId: string;
  topicArn: string;
  endpoint: string;
  attempt: number;
  raw: boolean;
  /** HTTP status, or the connection error's text. */
  status: number | string;
  /** The endpoint's answer body (the sns-https handler answers {code, reason}). */
  response: string;
}

export interface HttpDeliveryOptions {
  signer?: TestSigner;
  version?: '1' | '2';
  /** Attempts per message, first included (SNS's default HTTP policy: 1 + 3 retries). */
  attempts?: number;
  retryDelayMs?: number;
  /** Per-request deadline (SNS gives an endpoint 15 s). */
  timeoutMs?: number;
}

export interface HttpDelivery {
  readonly attempts: HttpDeliveryAttempt[];
  /** Resolves when every delivery started so far has finished (with all its retries). */
  idle(): Promise<void>;
  /** Stops delivering (listeners removed). */
  detach(): void;
}

function isHttp(sub: FakeSubscription): boolean {
  return sub.protocol === 'http' || sub.protocol === 'https';
}

function post(
  endpoint: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number | string; response: string }> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const auth = url.username
      ? {
          authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`,
        }
      : {};
    url.username = '';
    url.password = '';
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, ...auth, 'content-length': String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, response: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => resolve({ status: err.message, response: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: err.message, response: '' }));
    req.end(body);
  });
}

/** Starts delivering the fake server's topics to their HTTP subscriptions (only http:// endpoints are reachable). */
export function attachHttpDelivery(sns: FakeSns, options: HttpDeliveryOptions = {}): HttpDelivery {
  const signer = options.signer ?? SNS_TEST_SIGNER;
  const version = options.version ?? '2';
  const maxAttempts = options.attempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 10;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const attempts: HttpDeliveryAttempt[] = [];
  const running = new Set<Promise<void>>();

  function track(work: Promise<void>): void {
    running.add(work);
    void work.finally(() => running.delete(work));
  }

  async function deliver(
    sub: FakeSubscription,
    type: HttpDeliveryAttempt['type'],
    messageId: string,
    headers: Record<string, string>,
    text: string,
    raw: boolean,
  ) {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { status, response } = await post(sub.endpoint, headers, text, timeoutMs);
      attempts.push({
        type,
        messageId,
        topicArn: sub.topicArn,
        endpoint: sub.endpoint,
        attempt,
        raw,
        status,
        response,
      });
      if (typeof status === 'number' && status >= 200 && status < 500) return;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
    }
  }

  function sendSigned(topic: FakeTopic, sub: FakeSubscription, body: UnsignedBody): void {
    const signed = signBody(body, { signer, version, certUrl: testCertUrl(topic.region) });
    const headers = snsHeaders(signed);
    if (body.Type !== 'SubscriptionConfirmation') headers['x-amz-sns-subscription-arn'] = sub.arn;
    track(
      deliver(
        sub,
        body.Type as HttpDeliveryAttempt['type'],
        body.MessageId,
        headers,
        JSON.stringify(signed, null, 2),
        false,
      ),
    );
  }

  // SNS's SubscribeURL points at its own API; here at the fake server, so a test can see it is never visited.
  const subscribeUrl = (topic: FakeTopic, sub: FakeSubscription) =>
    `${sns.endpoint}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topic.arn)}&Token=${sub.token}`;

  const confirmation =
    (type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation') => (topic: FakeTopic, sub: FakeSubscription) => {
      if (!isHttp(sub)) return;
      const fields = {
        topicArn: topic.arn,
        token: sub.token,
        subscribeUrl: subscribeUrl(topic, sub),
        subscriptionArn: sub.arn,
      };
      sendSigned(topic, sub, confirmationBody(type, fields));
    };
  const onSubscribe = confirmation('SubscriptionConfirmation');
  const onUnsubscribe = confirmation('UnsubscribeConfirmation');

  const onPublish = (topic: FakeTopic, message: PublishedMessage) => {
    const timestamp = new Date().toISOString();
    for (const sub of topic.subscriptions.values()) {
      if (!isHttp(sub) || !sub.confirmed) continue;
      if (sub.attributes.RawMessageDelivery === 'true') {
        // Raw delivery (sns-large-payload-raw-message-delivery): the bare message, no envelope, no signature.
        const headers = {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': message.messageId,
          'x-amz-sns-topic-arn': topic.arn,
          'x-amz-sns-subscription-arn': sub.arn,
          'x-amz-sns-rawdelivery': 'true',
        };
        track(deliver(sub, 'Notification', message.messageId, headers, message.body, true));
        continue;
      }
      const body: UnsignedBody = {
        Type: 'Notification',
        MessageId: message.messageId,
        TopicArn: topic.arn,
        Message: message.body,
        Timestamp: timestamp,
      };
      if (message.subject !== undefined) body.Subject = message.subject;
      body.UnsubscribeURL = `${sns.endpoint}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(sub.arn)}`;
      const attributes = Object.entries(message.attributes);
      if (attributes.length > 0) {
        // HTTP envelopes carry attributes as {Type, Value} (not signed).
        body.MessageAttributes = Object.fromEntries(
          attributes.map(([name, a]) => [name, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' }]),
        );
      }
      sendSigned(topic, sub, body);
    }
  };

  sns.state.events.on('subscribe', onSubscribe);
  sns.state.events.on('unsubscribe', onUnsubscribe);
  sns.state.events.on('publish', onPublish);

  return {
    attempts,
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
    detach() {
      sns.state.events.off('subscribe', onSubscribe);
      sns.state.events.off('unsubscribe', onUnsubscribe);
      sns.state.events.off('publish', onPublish);
    },
  };
}
