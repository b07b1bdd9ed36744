import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertFetchError, CertificateStore, checkCertUrl, httpsCertFetcher } from '#lib/sns-https/certs';
import { MalformedMessageError, parseSnsHttpBody, stringToSign } from '#lib/sns-https/message';
import { checkTimestamp, verifySignature } from '#lib/sns-https/verify';
import {
  confirmationBody,
  FOREIGN_SIGNER,
  notificationBody,
  SNS_TEST_SIGNER,
  signBody,
  testCertStore,
  testCertUrl,
} from '#test/support/sns-signing';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const FRESH = '2026-06-01T11:59:30.000Z';

function parsed(body: Record<string, unknown>) {
  return parseSnsHttpBody(JSON.stringify(body));
}

describe('the string to sign', () => {
  it('is byte for byte the Notification example of the SNS guide', () => {
    const text = stringToSign({
      Type: 'Notification',
      Message: 'My Test Message',
      MessageId: '4d4dc071-ddbf-465d-bba8-08f81c89da64',
      Subject: 'My subject',
      Timestamp: '2019-01-31T04:37:04.321Z',
      TopicArn: 'arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P',
    });
    expect(text).toBe(
      'Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\nTimestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n',
    );
  });

  it('leaves Subject out of a Notification that has none', () => {
    const text = stringToSign({ Type: 'Notification', Message: 'm', MessageId: 'id', Timestamp: 't', TopicArn: 'arn' });
    expect(text).toBe('Message\nm\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n');
  });

  it('covers SubscribeURL and Token for a SubscriptionConfirmation, in byte order', () => {
    const text = stringToSign({
      Type: 'SubscriptionConfirmation',
      Message: 'm',
      MessageId: 'id',
      Timestamp: 't',
      TopicArn: 'arn',
      Token: 'tok',
      SubscribeURL: 'https://u',
    });
    expect(text).toBe(
      'Message\nm\nMessageId\nid\nSubscribeURL\nhttps://u\nTimestamp\nt\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n',
    );
  });
});

describe('parsing an SNS HTTP body', () => {
  const good = () => signBody(notificationBody({ message: 'hello', timestamp: FRESH }));

  it('rejects text that is not JSON', () => {
    expect(() => parseSnsHttpBody('Type=Notification')).toThrow(new MalformedMessageError('the body is not JSON'));
  });

  it('rejects a JSON array', () => {
    expect(() => parseSnsHttpBody('[]')).toThrow('the body is not a JSON object');
  });

  it('names a missing signed field', () => {
    const body = good();
    delete body.MessageId;
    expect(() => parsed(body)).toThrow('the body has no MessageId');
  });

  it('rejects a Type SNS never sends', () => {
    expect(() => parsed({ ...good(), Type: 'Notice' })).toThrow('Type "Notice" is not an SNS HTTP message type');
  });

  it('rejects a Subject with a line break, which would make the signed string ambiguous', () => {
    expect(() => parsed({ ...good(), Subject: 'a\nTimestamp\nb' })).toThrow('Subject contains a line break');
  });

  it('rejects a MessageId that is not an id', () => {
    expect(() => parsed({ ...good(), MessageId: 'x\nSubject\ny' })).toThrow('MessageId is not well formed');
  });

  it('rejects a TopicArn that is not an SNS topic ARN', () => {
    expect(() => parsed({ ...good(), TopicArn: 'arn:aws:sqs:us-east-1:888888888888:q' })).toThrow(
      'TopicArn is not an SNS topic ARN',
    );
  });

  it('requires Token and SubscribeURL on a SubscriptionConfirmation', () => {
    const body = signBody(confirmationBody('SubscriptionConfirmation', { timestamp: FRESH }));
    delete body.Token;
    expect(() => parsed(body)).toThrow('the body has no Token');
  });

  it('keeps the JSON-unescaped Message, as SNS signs it', () => {
    const msg = parsed(signBody(notificationBody({ message: 'line 1\nline "2"\t\u00e9', timestamp: FRESH })));
    expect(msg.Message).toBe('line 1\nline "2"\t\u00e9');
  });
});

describe('pinning the certificate URL', () => {
  const topic = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

  it('accepts the URL of the SNS guide example for a topic in its region', () => {
    expect(
      checkCertUrl(
        'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
        topic,
      ),
    ).toEqual({ ok: true });
  });

  it('accepts the China partition host for an aws-cn topic', () => {
    const url =
      'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
    expect(checkCertUrl(url, 'arn:aws-cn:sns:cn-north-1:123456789012:MyTopic')).toEqual({ ok: true });
  });

  it('refuses an http: URL', () => {
    expect(checkCertUrl('http://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.pem', topic)).toEqual({
      ok: false,
      reason:
        'SigningCertURL http://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.pem is not an https URL',
    });
  });

  it.each([
    ['https://evil.example/SimpleNotificationService-f3ec.pem', 'evil.example'],
    [
      'https://sns.us-west-2.amazonaws.com.evil.example/SimpleNotificationService-f3ec.pem',
      'sns.us-west-2.amazonaws.com.evil.example',
    ],
    [
      'https://sns.us-west-2.amazonaws.com@evil.example/SimpleNotificationService-f3ec.pem',
      'sns.us-west-2.amazonaws.com@evil.example',
    ],
    ['https://sns.us-west-2.amazonaws.com:8443/SimpleNotificationService-f3ec.pem', 'sns.us-west-2.amazonaws.com:8443'],
    ['https://s3.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.pem', 's3.us-west-2.amazonaws.com'],
  ])('refuses the foreign host in %s', (url, host) => {
    expect(checkCertUrl(url, topic)).toEqual({
      ok: false,
      reason: `SigningCertURL host "${host}" is not an SNS host (sns.<region>.amazonaws.com)`,
    });
  });

  it.each([
    'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y',
    'https://sns.us-west-2.amazonaws.com/uploads/SimpleNotificationService-f3ec.pem',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.pem?x=1',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-..%2Fx.pem',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ec.crt',
  ])('refuses the path of %s', (url) => {
    expect(checkCertUrl(url, topic)).toEqual({
      ok: false,
      reason: `SigningCertURL ${url} is not an SNS certificate path (/SimpleNotificationService-*.pem)`,
    });
  });

  it('refuses a certificate from another region than the topic', () => {
    const url = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
    expect(checkCertUrl(url, topic)).toEqual({
      ok: false,
      reason: `SigningCertURL ${url} is not in the region of topic ${topic}`,
    });
  });

  it('refuses the China host for a topic outside the China partition', () => {
    const url = 'https://sns.us-west-2.amazonaws.com.cn/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';
    expect(checkCertUrl(url, topic).ok).toBe(false);
  });
});

describe('verifying a signature', () => {
  it.each(['1', '2'] as const)('accepts a Notification signed with SignatureVersion %s', async (version) => {
    const msg = parsed(
      signBody(
        notificationBody({
          message: '{"notificationType":"Bounce"}',
          subject: 'Amazon SES Email Event Notification',
          timestamp: FRESH,
        }),
        { version },
      ),
    );
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({ ok: true });
  });

  it.each(['SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const)('accepts a signed %s', async (type) => {
    const msg = parsed(signBody(confirmationBody(type, { timestamp: FRESH }), { version: '1' }));
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({ ok: true });
  });

  it('rejects a signature made with another key', async () => {
    const msg = parsed(signBody(notificationBody({ message: 'm', timestamp: FRESH }), { signer: FOREIGN_SIGNER }));
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'the SignatureVersion 2 signature does not match the message',
    });
  });

  it('rejects a version 2 signature presented as version 1', async () => {
    const body = signBody(notificationBody({ message: 'm', timestamp: FRESH }), { version: '2' });
    const msg = parsed({ ...body, SignatureVersion: '1' });
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'the SignatureVersion 1 signature does not match the message',
    });
  });

  it('rejects a SignatureVersion SNS does not define', async () => {
    const msg = parsed({ ...signBody(notificationBody({ message: 'm', timestamp: FRESH })), SignatureVersion: '3' });
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({
      ok: false,
      code: 'bad_signature',
      reason: 'SignatureVersion "3" is not supported (expected 1 or 2)',
    });
  });

  it('never fetches a certificate URL that fails the pin', async () => {
    const store = testCertStore();
    const msg = parsed(
      signBody(notificationBody({ message: 'm', timestamp: FRESH }), {
        certUrl: 'https://evil.example/SimpleNotificationService-x.pem',
      }),
    );
    expect((await verifySignature(msg, store, NOW)).ok).toBe(false);
    expect(store.fetches).toEqual([]);
  });

  it('reports a certificate the SNS host does not have as untrusted, not as retryable', async () => {
    const url = testCertUrl('us-east-1').replace('TESTONLY', 'MADEUPXX');
    const msg = parsed(signBody(notificationBody({ message: 'm', timestamp: FRESH }), { certUrl: url }));
    expect(await verifySignature(msg, testCertStore(), NOW)).toEqual({
      ok: false,
      code: 'untrusted_cert_url',
      reason: `the signing certificate is not usable: fetching ${url} answered HTTP 404`,
    });
  });

  it('reports an unreachable certificate host as retryable', async () => {
    const store = new CertificateStore(async (url) => {
      throw new CertFetchError(`fetching ${url} timed out after 3000 ms`, true);
    });
    const msg = parsed(signBody(notificationBody({ message: 'm', timestamp: FRESH })));
    expect(await verifySignature(msg, store, NOW)).toEqual({
      ok: false,
      code: 'cert_unavailable',
      reason: `the signing certificate could not be fetched: fetching ${testCertUrl('us-east-1')} timed out after 3000 ms`,
    });
  });

  it('refuses a fetched certificate outside its validity period', async () => {
    const msg = parsed(signBody(notificationBody({ message: 'm', timestamp: FRESH })));
    const in2200 = Date.parse('2200-01-01T00:00:00Z');
    expect(await verifySignature(msg, testCertStore(), in2200)).toEqual({
      ok: false,
      code: 'untrusted_cert_url',
      reason: `the signing certificate at ${testCertUrl('us-east-1')} is outside its validity period`,
    });
  });

  it('does not check the dates of a certificate supplied by the operator', async () => {
    const store = new CertificateStore(async () => {
      throw new Error('no fetch expected');
    });
    store.add(testCertUrl('us-east-1'), SNS_TEST_SIGNER.certPem, false);
    const msg = parsed(signBody(notificationBody({ message: 'm', timestamp: FRESH })));
    expect(await verifySignature(msg, store, Date.parse('2200-01-01T00:00:00Z'))).toEqual({ ok: true });
  });
});

describe('the Timestamp window', () => {
  it('accepts a message as old as the window', () => {
    expect(checkTimestamp({ Timestamp: '2026-06-01T11:00:00.000Z' }, NOW, 3600, 300)).toEqual({ ok: true });
  });

  it('rejects an older message with its age', () => {
    expect(checkTimestamp({ Timestamp: '2026-06-01T10:59:59.000Z' }, NOW, 3600, 300)).toEqual({
      ok: false,
      code: 'stale_timestamp',
      reason: 'Timestamp 2026-06-01T10:59:59.000Z is 3601 s old, more than the 3600 s allowed',
    });
  });

  it('accepts a message as far ahead as the clock skew allowed', () => {
    expect(checkTimestamp({ Timestamp: '2026-06-01T12:05:00.000Z' }, NOW, 3600, 300)).toEqual({ ok: true });
  });

  it('rejects a message from further ahead than the clock skew, however wide the age window', () => {
    expect(checkTimestamp({ Timestamp: '2026-06-01T12:05:01.000Z' }, NOW, 3600, 300)).toEqual({
      ok: false,
      code: 'stale_timestamp',
      reason: 'Timestamp 2026-06-01T12:05:01.000Z is 301 s in the future, more than the 300 s of clock skew allowed',
    });
  });
});

describe('the certificate cache', () => {
  const urls = ['a', 'b', 'c'].map((r) => testCertUrl(`us-east-1`).replace('TESTONLY', `TESTONL${r}`));

  it('holds at most its bound, dropping the least recently used', async () => {
    const store = testCertStore(urls, SNS_TEST_SIGNER.certPem, 2);
    await store.get(urls[0]!);
    await store.get(urls[1]!);
    await store.get(urls[0]!);
    await store.get(urls[2]!);
    expect(store.size).toBe(2);
    await store.get(urls[0]!);
    await store.get(urls[1]!);
    expect(store.fetches).toEqual([urls[0], urls[1], urls[2], urls[1]]);
  });

  it('shares one fetch between concurrent requests for a URL', async () => {
    const store = testCertStore(urls);
    await Promise.all([store.get(urls[0]!), store.get(urls[0]!), store.get(urls[0]!)]);
    expect(store.fetches).toEqual([urls[0]]);
  });

  it('answers a failed fetch from memory for a minute, then fetches that URL again', async () => {
    let clock = 0;
    const fetches: string[] = [];
    const store = new CertificateStore(
      async (url) => {
        fetches.push(url);
        throw new CertFetchError(`fetching ${url} answered HTTP 404`, false);
      },
      { now: () => clock },
    );
    await expect(store.get(urls[0]!)).rejects.toThrow('answered HTTP 404');
    clock = 59_999;
    await expect(store.get(urls[0]!)).rejects.toThrow('answered HTTP 404');
    expect(fetches).toEqual([urls[0]]);
    clock = 60_000;
    await expect(store.get(urls[0]!)).rejects.toThrow('answered HTTP 404');
    expect(fetches).toEqual([urls[0], urls[0]]);
  });

  it('starts at most 10 fetches per rolling minute; past that a new URL fails as retryable without a fetch', async () => {
    let clock = 1_000;
    const fetches: string[] = [];
    const bounded = new CertificateStore((url) => (fetches.push(url), Promise.reject(new Error('down'))), {
      now: () => clock,
    });
    const names = Array.from({ length: 12 }, (_, i) => testCertUrl('us-east-1').replace('TESTONLY', `STORM${i}`));
    for (const url of names.slice(0, 10))
      await expect(bounded.get(url)).rejects.toThrow(`fetching ${url} failed: down`);
    const refused = bounded.get(names[10]!);
    await expect(refused).rejects.toThrow(
      '10 certificate fetches were started in the last minute, the most this container makes; not fetched',
    );
    await expect(refused).rejects.toMatchObject({ transient: true });
    expect(fetches).toHaveLength(10);
    clock = 61_000;
    await expect(bounded.get(names[11]!)).rejects.toThrow('failed: down');
    expect(fetches).toHaveLength(11);
  });

  it('refuses a body that is not a certificate', async () => {
    const store = new CertificateStore(async () => '<html>Moved</html>');
    await expect(store.get(urls[0]!)).rejects.toThrow(`${urls[0]} is not a PEM X.509 certificate`);
  });
});

describe('fetching a certificate over HTTPS', () => {
  // A local TLS server with the test certificate; the agent trusts it (production trusts Node's CA store only).
  let server: Server;
  let base: string;
  const hits: string[] = [];
  const agent = new Agent({ ca: SNS_TEST_SIGNER.certPem, checkServerIdentity: () => undefined });

  beforeAll(async () => {
    server = createServer({ key: SNS_TEST_SIGNER.keyPem, cert: SNS_TEST_SIGNER.certPem }, (req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/cert.pem')
        res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(SNS_TEST_SIGNER.certPem);
      else if (req.url === '/redirect.pem') res.writeHead(301, { location: '/cert.pem' }).end();
      else if (req.url === '/missing.pem') res.writeHead(404).end('not found');
      else if (req.url === '/error.pem') res.writeHead(500).end('oops');
      else if (req.url === '/huge.pem') res.writeHead(200).end('A'.repeat(100 * 1024));
      // '/hang.pem': never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    agent.destroy();
  });

  it('returns the PEM text on 200', async () => {
    expect(await httpsCertFetcher({ agent })(`${base}/cert.pem`)).toBe(SNS_TEST_SIGNER.certPem);
  });

  it('does not follow a redirect', async () => {
    hits.length = 0;
    const err = await httpsCertFetcher({ agent })(`${base}/redirect.pem`).catch((e: unknown) => e);
    expect(err).toEqual(new CertFetchError(`fetching ${base}/redirect.pem answered HTTP 301`, false));
    expect(hits).toEqual(['/redirect.pem']);
  });

  it('treats 404 as permanent and 500 as transient', async () => {
    const missing = (await httpsCertFetcher({ agent })(`${base}/missing.pem`).catch(
      (e: unknown) => e,
    )) as CertFetchError;
    const failing = (await httpsCertFetcher({ agent })(`${base}/error.pem`).catch((e: unknown) => e)) as CertFetchError;
    expect([missing.message, missing.transient]).toEqual([`fetching ${base}/missing.pem answered HTTP 404`, false]);
    expect([failing.message, failing.transient]).toEqual([`fetching ${base}/error.pem answered HTTP 500`, true]);
  });

  it('gives up at its deadline on a host that never answers', async () => {
    const err = (await httpsCertFetcher({ agent, timeoutMs: 200 })(`${base}/hang.pem`).catch(
      (e: unknown) => e,
    )) as CertFetchError;
    expect([err.message, err.transient]).toEqual([`fetching ${base}/hang.pem timed out after 200 ms`, true]);
  });

  it('refuses a body far larger than a certificate', async () => {
    const err = (await httpsCertFetcher({ agent })(`${base}/huge.pem`).catch((e: unknown) => e)) as CertFetchError;
    expect(err.message).toBe(`${base}/huge.pem is larger than 65536 bytes: not a certificate`);
  });

  it('refuses a server whose TLS certificate Node does not trust', async () => {
    const err = (await httpsCertFetcher()(`${base}/cert.pem`).catch((e: unknown) => e)) as CertFetchError;
    expect(err).toBeInstanceOf(CertFetchError);
    expect(err.message).toBe(`fetching ${base}/cert.pem failed: self-signed certificate`);
  });
});
