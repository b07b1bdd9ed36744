/**
 * The bad-input corpus (test/fixtures/bad/): malformed SES records and malformed trigger events, each with the exact
 * problem code and path the bridge must report, and valid-but-odd records that must normalize and be delivered.
 * `node bin/run-ts.cjs test/support/write-bad-inputs.ts` rewrites the directory from this file; the corpus test
 * fails when the two drift apart.
 *
 * Three kinds of entry in test/fixtures/bad/manifest.json:
 * - `records`: an SES record's text (the SNS `Message`, the SQS body, the Firehose data). `path` is relative to the
 *   record; each trigger prefixes it (`Records[1].body`, `Records[1].Sns.Message`, `detail`, `records[1].data`).
 *   `cli` is given where `ses-bridge normalize` reads the file differently: it takes a file as a document, so text
 *   that is not JSON at all is `invalid_json` there, while inside an envelope it is plain text, `not_ses` (SNS test
 *   messages, SES notices).
 * - `envelopes`: a whole trigger event, malformed at the transport level, with good records beside the bad one.
 * - `odd`: valid records that look wrong (null optional fields, missing optional objects, unicode, whitespace) and
 *   must be delivered, or deliberately skipped (`skipped: true`).
 */

import {
  eventBridgeEvent,
  firehoseEvent,
  lambdaSnsEvent,
  lambdaSqsEvent,
  snsEnvelope,
  sqsBodyFromSns,
} from '#test/support/envelopes';
import { loadRawSamples } from '#test/support/sample-events';

export interface RecordCase {
  file: string;
  code: string;
  path: string;
  cli?: { code: string; path: string };
  note: string;
}

export type HandlerName = 'route-sqs' | 'route-sns' | 'route-eventbridge' | 'route-firehose';

export interface EnvelopeCase {
  file: string;
  handler: HandlerName;
  code: string;
  path: string;
  /** Good records in the event beside the bad one. */
  good: number;
  note: string;
}

export interface OddCase {
  file: string;
  /** The normalized type it must be delivered as; absent when it is skipped. */
  type?: string;
  skipped?: boolean;
  note: string;
}

export interface Manifest {
  description: string;
  records: RecordCase[];
  envelopes: EnvelopeCase[];
  odd: OddCase[];
}

type Json = Record<string, any>;

/** Every file of the corpus (path under test/fixtures/bad/ -> exact text) and the manifest. */
export function buildBadInputs(): { files: Map<string, string>; manifest: Manifest } {
  const raw = loadRawSamples();
  const sample = (name: string): Json => structuredClone(raw.get(name)!) as Json;
  const files = new Map<string, string>();
  const records: RecordCase[] = [];
  const envelopes: EnvelopeCase[] = [];
  const odd: OddCase[] = [];
  const bounce = () => sample('event-bounce');
  const bounceText = JSON.stringify(sample('event-bounce'));

  /** A record case from exact text. */
  const text = (name: string, content: string, code: string, path: string, note: string, cli?: RecordCase['cli']) => {
    const first = content.replace(/^[\s\ufeff]+/, '')[0];
    const file = `record/${name}.${first === '{' || first === '[' ? 'json' : 'txt'}`;
    files.set(file, content);
    records.push({ file, code, path, ...(cli ? { cli } : {}), note });
  };
  /** A record case from a sample changed by `change`; invalid_record at `path`. */
  const record = (name: string, base: string, path: string, note: string, change: (r: Json) => void) => {
    const r = sample(base);
    change(r);
    text(name, JSON.stringify(r), 'invalid_record', path, note);
  };
  const plain = (name: string, content: string, note: string) =>
    text(name, content, 'not_ses', '', note, { code: 'invalid_json', path: '' });

  // --- Not JSON, or broken JSON.
  text(
    'truncated-json',
    bounceText.slice(0, Math.floor(bounceText.length / 2)),
    'invalid_json',
    '',
    'cut in the middle, as a lost chunk would leave it',
  );
  text('truncated-last-brace', bounceText.slice(0, -1), 'invalid_json', '', 'one byte short');
  text('trailing-comma', '{"eventType":"Bounce","mail":{"messageId":"x"},}', 'invalid_json', '', 'JSON5 habits');
  text('single-quotes', "{'eventType':'Bounce'}", 'invalid_json', '', 'Python repr, not JSON');
  text('nan-literal', '{"eventType":"Bounce","score":NaN}', 'invalid_json', '', 'NaN is not JSON');
  text(
    'raw-control-character',
    `{"eventType":"Bounce","mail":{"messageId":"a\u0001b"}}`,
    'invalid_json',
    '',
    'an unescaped control character inside a string',
  );
  text(
    'byte-order-mark',
    `\ufeff${bounceText}`,
    'invalid_json',
    '',
    'a BOM before the record: RFC 8259 forbids adding one, JSON.parse refuses it, and the bridge keeps the text as sent rather than guess',
  );
  text('two-documents', bounceText + bounceText, 'invalid_json', '', 'two records glued on one line');
  text(
    'invalid-escape',
    '{"eventType":"Bounce","mail":{"messageId":"\\x41"}}',
    'invalid_json',
    '',
    '\\x is not a JSON escape',
  );
  text('lone-open-brace', '{', 'invalid_json', '', 'nothing after the brace');
  plain('plain-text', 'Hello from SNS!', 'an SNS console test message');
  plain('empty', '', 'nothing at all');
  plain('whitespace-only', ' \t \r ', 'blanks only');
  plain('xml', '<?xml version="1.0"?><Bounce><Recipient>a@example.com</Recipient></Bounce>', 'XML, not JSON');
  plain('block-comment-first', `/* exported */${bounceText}`, 'a comment before the record');
  plain('one-megabyte-of-text', 'x'.repeat(1_048_576), 'a 1 MB string that is not JSON');
  text(
    'json-string',
    '"{\\"eventType\\":\\"Bounce\\"}"',
    'not_ses',
    '',
    'the record JSON-encoded twice: a JSON string',
  );
  text('json-number', '42', 'not_ses', '', 'a bare number', { code: 'not_ses', path: '' });
  text('json-null', 'null', 'not_ses', '', 'null', { code: 'not_ses', path: '' });
  text('json-true', 'true', 'not_ses', '', 'a boolean', { code: 'not_ses', path: '' });
  text('json-array-of-records', `[${bounceText}]`, 'not_ses', '', 'records in an array: one record per message');
  text('empty-object', '{}', 'not_ses', '', 'no SES field at all');
  text('valid-json-not-ses', '{"hello":"world","id":7}', 'not_ses', '', 'valid JSON from some other producer');
  text(
    'deeply-nested-arrays',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    'not_ses',
    '',
    '100,000 levels of arrays: parsed, then refused, never a stack overflow',
  );
  text(
    'deeply-nested-objects',
    `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
    'not_ses',
    '',
    '20,000 levels of objects without any SES field',
  );
  text(
    'unicode-mail-key',
    bounceText.replace('"mail":', '"maíl":'),
    'invalid_record',
    'mail',
    'a look-alike key: "maíl" is not "mail"',
  );
  // Two records JSON.stringify cannot write, so written by hand: a repeated key (JSON.parse keeps the last) and a
  // "__proto__" key, which must be read as data, never as a prototype.
  text(
    'duplicate-mail-key-last-null',
    `${bounceText.slice(0, -1)},"mail":null}`,
    'invalid_record',
    'mail',
    'mail twice, the last one null',
  );
  {
    const b = bounce();
    delete b.mail;
    text(
      'proto-key-no-mail',
      `{"__proto__":{"mail":{"messageId":"injected"}},${JSON.stringify(b).slice(1)}`,
      'invalid_record',
      'mail',
      'a "__proto__" holding a mail object, and no mail',
    );
  }

  // --- SES records with a field of the wrong kind (invalid_record, the path says which).
  record(
    'no-discriminator',
    'event-bounce',
    'eventType',
    'neither eventType nor notificationType',
    (r) => delete r.eventType,
  );
  record('event-type-number', 'event-bounce', 'eventType', 'eventType: 5', (r) => (r.eventType = 5));
  record('event-type-null', 'event-bounce', 'eventType', 'eventType: null', (r) => (r.eventType = null));
  record(
    'notification-type-array',
    'legacy-bounce-with-dsn',
    'notificationType',
    'notificationType: ["Bounce"]',
    (r) => (r.notificationType = ['Bounce']),
  );
  record('missing-mail', 'event-bounce', 'mail', 'no mail object', (r) => delete r.mail);
  record('mail-null', 'event-bounce', 'mail', 'mail: null', (r) => (r.mail = null));
  record('mail-string', 'event-bounce', 'mail', 'mail as a JSON string', (r) => (r.mail = JSON.stringify(r.mail)));
  record('mail-array', 'event-bounce', 'mail', 'mail: [ {...} ]', (r) => (r.mail = [r.mail]));
  record(
    'legacy-missing-mail',
    'legacy-bounce-with-dsn',
    'mail',
    'a legacy notification without mail',
    (r) => delete r.mail,
  );
  record(
    'missing-message-id',
    'event-bounce',
    'mail.messageId',
    'the one field every record is keyed on',
    (r) => delete r.mail.messageId,
  );
  record(
    'message-id-number',
    'event-bounce',
    'mail.messageId',
    'mail.messageId: 12345',
    (r) => (r.mail.messageId = 12345),
  );
  record('message-id-empty', 'event-bounce', 'mail.messageId', 'mail.messageId: ""', (r) => (r.mail.messageId = ''));
  record(
    'message-id-deeply-nested',
    'event-bounce',
    'mail.messageId',
    'mail.messageId wrapped in 3,000 arrays',
    (r) => {
      let v: unknown = r.mail.messageId;
      for (let i = 0; i < 3_000; i++) v = [v];
      r.mail.messageId = v;
    },
  );
  record(
    'missing-mail-timestamp',
    'event-bounce',
    'mail.timestamp',
    'no mail.timestamp',
    (r) => delete r.mail.timestamp,
  );
  record(
    'mail-timestamp-number',
    'legacy-delivery',
    'mail.timestamp',
    'epoch milliseconds instead of ISO text',
    (r) => (r.mail.timestamp = 1_454_000_000_000),
  );
  record('mail-source-number', 'event-bounce', 'mail.source', 'mail.source: 1', (r) => (r.mail.source = 1));
  record(
    'mail-source-arn-object',
    'event-bounce',
    'mail.sourceArn',
    'mail.sourceArn: {}',
    (r) => (r.mail.sourceArn = {}),
  );
  record(
    'sending-account-id-number',
    'event-bounce',
    'mail.sendingAccountId',
    'the account id as a number: 123456789012',
    (r) => (r.mail.sendingAccountId = 123_456_789_012),
  );
  record(
    'caller-identity-array',
    'legacy-bounce-with-dsn',
    'mail.callerIdentity',
    'mail.callerIdentity: ["a"]',
    (r) => (r.mail.callerIdentity = ['IAM_user']),
  );
  record(
    'destination-string',
    'event-bounce',
    'mail.destination',
    'one address instead of a list',
    (r) => (r.mail.destination = 'recipient@example.com'),
  );
  record(
    'destination-null-item',
    'event-bounce',
    'mail.destination[1]',
    'a null in the recipient list',
    (r) => (r.mail.destination = ['a@example.com', null]),
  );
  record(
    'destination-one-megabyte-string',
    'event-bounce',
    'mail.destination',
    'a 1 MB string where a list belongs',
    (r) => (r.mail.destination = 'y'.repeat(1_048_576)),
  );
  record(
    'destination-huge-array-bad-last',
    'event-bounce',
    'mail.destination[20000]',
    '20,000 good addresses, then a number',
    (r) => {
      r.mail.destination = [...Array.from({ length: 20_000 }, (_, i) => `r${i}@example.com`), 7];
    },
  );
  record('tags-array', 'event-bounce', 'mail.tags', 'mail.tags: []', (r) => (r.mail.tags = []));
  record(
    'tags-value-string',
    'event-bounce',
    'mail.tags["ses:configuration-set"]',
    'a tag value not in a list',
    (r) => (r.mail.tags['ses:configuration-set'] = 'ConfigSet'),
  );
  record(
    'tags-item-number',
    'event-bounce',
    'mail.tags["campaign"][0]',
    'a tag value that is a number',
    (r) => (r.mail.tags.campaign = [2026]),
  );
  record(
    'tags-unicode-name-bad-value',
    'event-bounce',
    'mail.tags["kampagne-ü"]',
    'a unicode tag name whose value is an object',
    (r) => (r.mail.tags['kampagne-ü'] = { a: 1 }),
  );
  record(
    'bounce-missing',
    'event-bounce',
    'bounce',
    'eventType Bounce without its bounce object',
    (r) => delete r.bounce,
  );
  record('bounce-null', 'event-bounce', 'bounce', 'bounce: null', (r) => (r.bounce = null));
  record('bounce-array', 'event-bounce', 'bounce', 'bounce: [ {...} ]', (r) => (r.bounce = [r.bounce]));
  record(
    'bounced-recipients-missing',
    'event-bounce',
    'bounce.bouncedRecipients',
    'whom did it bounce for?',
    (r) => delete r.bounce.bouncedRecipients,
  );
  record(
    'bounced-recipients-object',
    'legacy-bounce-with-dsn',
    'bounce.bouncedRecipients',
    'one recipient object, not a list',
    (r) => (r.bounce.bouncedRecipients = r.bounce.bouncedRecipients[0]),
  );
  record(
    'bounced-recipient-string',
    'event-bounce',
    'bounce.bouncedRecipients[0]',
    'a bare address instead of {emailAddress}',
    (r) => (r.bounce.bouncedRecipients = ['recipient@example.com']),
  );
  record(
    'bounced-recipient-no-address',
    'event-bounce',
    'bounce.bouncedRecipients[0].emailAddress',
    '{action, status} without emailAddress',
    (r) => delete r.bounce.bouncedRecipients[0].emailAddress,
  );
  record(
    'bounced-recipient-address-number',
    'legacy-bounce-without-dsn',
    'bounce.bouncedRecipients[0].emailAddress',
    'emailAddress: 42',
    (r) => (r.bounce.bouncedRecipients[0].emailAddress = 42),
  );
  record(
    'bounce-timestamp-number',
    'event-bounce',
    'bounce.timestamp',
    'bounce.timestamp: 0',
    (r) => (r.bounce.timestamp = 0),
  );
  record(
    'complained-recipients-null',
    'event-complaint',
    'complaint.complainedRecipients',
    'complainedRecipients: null',
    (r) => (r.complaint.complainedRecipients = null),
  );
  record(
    'complaint-string',
    'legacy-complaint-with-feedback-report',
    'complaint',
    'complaint: "abuse"',
    (r) => (r.complaint = 'abuse'),
  );
  record(
    'delivery-recipients-object-item',
    'event-delivery',
    'delivery.recipients[0]',
    'delivery.recipients holds objects, not addresses',
    (r) => (r.delivery.recipients = [{ emailAddress: 'recipient@example.com' }]),
  );
  record(
    'legacy-delivery-missing',
    'legacy-delivery',
    'delivery',
    'notificationType Delivery without delivery',
    (r) => delete r.delivery,
  );
  record(
    'delayed-recipients-missing',
    'event-delivery-delay',
    'deliveryDelay.delayedRecipients',
    'a delay for nobody',
    (r) => delete r.deliveryDelay.delayedRecipients,
  );
  record(
    'delivery-delay-timestamp-array',
    'event-delivery-delay',
    'deliveryDelay.timestamp',
    'deliveryDelay.timestamp: []',
    (r) => (r.deliveryDelay.timestamp = []),
  );
  record(
    'rendering-failure-string',
    'event-rendering-failure',
    'failure',
    'failure: "template missing"',
    (r) => (r.failure = 'template missing'),
  );
  record('click-string', 'event-click', 'click', 'click: "http://..."', (r) => (r.click = r.click.link));
  record('open-timestamp-object', 'event-open', 'open.timestamp', 'open.timestamp: {}', (r) => (r.open.timestamp = {}));
  record('reject-missing', 'event-reject', 'reject', 'eventType Reject without reject', (r) => delete r.reject);
  record(
    'subscription-null',
    'event-subscription',
    'subscription',
    'subscription: null',
    (r) => (r.subscription = null),
  );

  // --- Trigger events, malformed at the transport level, between two good records.
  const good = JSON.stringify(sample('legacy-bounce-with-dsn'));
  const envelope = (
    name: string,
    handler: HandlerName,
    event: unknown,
    code: string,
    path: string,
    goodCount: number,
    note: string,
  ) => {
    const file = `envelope/${name}.json`;
    files.set(file, `${JSON.stringify(event, null, 2)}\n`);
    envelopes.push({ file, handler, code, path, good: goodCount, note });
  };
  const sqs = (middle: (records: Json[]) => void) => {
    const event = lambdaSqsEvent([sqsBodyFromSns(good), 'placeholder', good]);
    middle(event.Records as Json[]);
    return event;
  };
  envelope(
    'sqs-body-empty',
    'route-sqs',
    sqs((r) => (r[1]!.body = '')),
    'not_ses',
    'Records[1].body',
    2,
    'an empty SQS body',
  );
  envelope(
    'sqs-body-whitespace',
    'route-sqs',
    sqs((r) => (r[1]!.body = '\n\n')),
    'not_ses',
    'Records[1].body',
    2,
    'an SQS body of blank lines',
  );
  envelope(
    'sqs-body-missing',
    'route-sqs',
    sqs((r) => delete r[1]!.body),
    'unsupported_input',
    'Records[1]',
    2,
    'an SQS record without body',
  );
  envelope(
    'sqs-body-number',
    'route-sqs',
    sqs((r) => (r[1]!.body = 17)),
    'unsupported_input',
    'Records[1]',
    2,
    'an SQS body that is not a string',
  );
  envelope(
    'sqs-record-null',
    'route-sqs',
    sqs((r) => (r[1] = null as never)),
    'unsupported_input',
    'Records[1]',
    2,
    'null in Records',
  );
  envelope(
    'sqs-record-string',
    'route-sqs',
    sqs((r) => (r[1] = 'body' as never)),
    'unsupported_input',
    'Records[1]',
    2,
    'a string in Records',
  );
  envelope(
    'sqs-kinesis-record',
    'route-sqs',
    sqs((r) => (r[1] = { eventSource: 'aws:kinesis', kinesis: { data: 'e30=' } })),
    'unsupported_input',
    'Records[1]',
    2,
    'a Kinesis record in an SQS event',
  );
  envelope(
    'sqs-sns-message-not-string',
    'route-sqs',
    sqs((r) => (r[1]!.body = JSON.stringify({ ...snsEnvelope(good), Message: { eventType: 'Bounce' } }))),
    'not_ses',
    'Records[1].body',
    2,
    'an SNS envelope whose Message is an object, not text: not an envelope, and not a record',
  );
  envelope(
    'sqs-sns-type-unknown',
    'route-sqs',
    sqs((r) => (r[1]!.body = JSON.stringify({ ...snsEnvelope(good), Type: 'Broadcast' }))),
    'unsupported_input',
    'Records[1].body.Type',
    2,
    'SNS Type "Broadcast"',
  );
  envelope(
    'sqs-sns-message-truncated',
    'route-sqs',
    sqs((r) => (r[1]!.body = sqsBodyFromSns(good.slice(0, 100)))),
    'invalid_json',
    'Records[1].body.Message',
    2,
    'a good envelope around a truncated record',
  );
  envelope(
    'sqs-envelope-truncated',
    'route-sqs',
    sqs((r) => (r[1]!.body = sqsBodyFromSns(good).slice(0, 300))),
    'invalid_json',
    'Records[1].body',
    2,
    'the SNS envelope itself cut short',
  );
  envelope(
    'sqs-sns-missing-message-id',
    'route-sqs',
    sqs((r) => (r[1]!.body = sqsBodyFromSns(bounceText.replace(/"messageId":"EXAMPLE[^"]*",/, '')))),
    'invalid_record',
    'Records[1].body.Message.mail.messageId',
    2,
    'inside the SNS envelope, the record lacks mail.messageId (commonHeaders.messageId is no substitute)',
  );
  // `Records` that is not an array is no trigger's event: the handlers refuse it whole (UnsupportedEventError; see
  // "each Lambda trigger, given what its trigger never sends" in test/integration/adversarial-intake.test.ts), so it
  // is not in this corpus of inputs each handler parks.

  const sns = (middle: (records: Json[]) => void) => {
    const event = lambdaSnsEvent([good, 'placeholder', good]) as { Records: Json[] };
    middle(event.Records);
    return event;
  };
  envelope(
    'sns-message-number',
    'route-sns',
    sns((r) => (r[1]!.Sns.Message = 42)),
    'unsupported_input',
    'Records[1].Sns.Message',
    2,
    'Message as a number',
  );
  envelope(
    'sns-message-null',
    'route-sns',
    sns((r) => (r[1]!.Sns.Message = null)),
    'unsupported_input',
    'Records[1].Sns.Message',
    2,
    'Message: null',
  );
  envelope(
    'sns-message-missing',
    'route-sns',
    sns((r) => delete r[1]!.Sns.Message),
    'unsupported_input',
    'Records[1].Sns.Message',
    2,
    'no Message',
  );
  envelope(
    'sns-type-missing',
    'route-sns',
    sns((r) => delete r[1]!.Sns.Type),
    'unsupported_input',
    'Records[1].Sns.Type',
    2,
    'an SNS record without Type',
  );
  envelope(
    'sns-message-plain-text',
    'route-sns',
    sns((r) => (r[1]!.Sns.Message = 'Hello from SNS!')),
    'not_ses',
    'Records[1].Sns.Message',
    2,
    'an SNS console test message',
  );
  envelope(
    'sns-message-empty',
    'route-sns',
    sns((r) => (r[1]!.Sns.Message = '')),
    'not_ses',
    'Records[1].Sns.Message',
    2,
    'an empty Message',
  );
  envelope(
    'sns-sns-not-object',
    'route-sns',
    sns((r) => (r[1]!.Sns = 'Notification')),
    'unsupported_input',
    'Records[1]',
    2,
    'Sns as a string',
  );
  envelope(
    'sns-message-truncated',
    'route-sns',
    sns((r) => (r[1]!.Sns.Message = good.slice(0, -10))),
    'invalid_json',
    'Records[1].Sns.Message',
    2,
    'a record cut short in Message',
  );

  const eb = (change: (event: Json) => void) => {
    const event = eventBridgeEvent(sample('event-bounce')) as Json;
    change(event);
    return event;
  };
  envelope(
    'eventbridge-detail-null',
    'route-eventbridge',
    eb((e) => (e.detail = null)),
    'not_ses',
    'detail',
    0,
    'detail: null',
  );
  envelope(
    'eventbridge-detail-string',
    'route-eventbridge',
    eb((e) => (e.detail = JSON.stringify(e.detail))),
    'not_ses',
    'detail',
    0,
    'detail as JSON text',
  );
  envelope(
    'eventbridge-detail-array',
    'route-eventbridge',
    eb((e) => (e.detail = [e.detail])),
    'not_ses',
    'detail',
    0,
    'detail: [ {...} ]',
  );
  envelope(
    'eventbridge-detail-missing',
    'route-eventbridge',
    eb((e) => delete e.detail),
    'not_ses',
    'detail',
    0,
    'no detail',
  );
  envelope(
    'eventbridge-detail-without-mail',
    'route-eventbridge',
    eb((e) => delete e.detail.mail),
    'invalid_record',
    'detail.mail',
    0,
    'an SES event without mail',
  );
  envelope(
    'eventbridge-detail-wrong-record',
    'route-eventbridge',
    eb((e) => (e.detail = { version: '0', instanceId: 'i-1' })),
    'not_ses',
    'detail',
    0,
    'an EC2-looking detail on an aws.ses event',
  );
  envelope(
    'eventbridge-source-not-ses',
    'route-eventbridge',
    eb((e) => (e.source = 'aws.ec2')),
    'not_ses',
    'source',
    0,
    "another service's event on the bridge's rule",
  );

  const firehose = (middle: (records: Json[]) => void) => {
    const event = firehoseEvent([good, 'placeholder', good]) as { records: Json[] };
    middle(event.records);
    return event;
  };
  envelope(
    'firehose-bad-base64',
    'route-firehose',
    firehose((r) => (r[1]!.data = '!!not*base64**')),
    'not_ses',
    'records[1].data',
    2,
    'data that is not base64 decodes to garbage, which is not JSON',
  );
  envelope(
    'firehose-base64-truncated-json',
    'route-firehose',
    firehose((r) => (r[1]!.data = Buffer.from(good.slice(0, 50)).toString('base64'))),
    'invalid_json',
    'records[1].data',
    2,
    'base64 of a truncated record',
  );
  envelope(
    'firehose-base64-gzip',
    'route-firehose',
    firehose(
      (r) =>
        (r[1]!.data = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]).toString('base64')),
    ),
    'not_ses',
    'records[1].data',
    2,
    'compressed data (a stream with gzip on)',
  );
  envelope(
    'firehose-data-missing',
    'route-firehose',
    firehose((r) => delete r[1]!.data),
    'unsupported_input',
    'records[1]',
    2,
    'a record without data',
  );
  envelope(
    'firehose-data-number',
    'route-firehose',
    firehose((r) => (r[1]!.data = 5)),
    'unsupported_input',
    'records[1]',
    2,
    'data: 5',
  );

  // --- Valid but odd: must normalize and be delivered (or be skipped on purpose).
  const oddCase = (name: string, content: string, type: string | undefined, note: string) => {
    const file = `odd/${name}.json`;
    files.set(file, content);
    odd.push(type === undefined ? { file, skipped: true, note } : { file, type, note });
  };
  const change = (base: string, fn: (r: Json) => void) => {
    const r = sample(base);
    fn(r);
    return JSON.stringify(r);
  };
  oddCase('leading-whitespace', `\n  \t${bounceText}`, 'bounce', 'whitespace before the record: JSON allows it');
  oddCase('trailing-whitespace', `${bounceText}  \r\n`, 'bounce', 'whitespace after it');
  oddCase('pretty-printed', JSON.stringify(sample('event-delivery'), null, 2), 'delivery', 'indented over many lines');
  oddCase(
    'click-link-tags-null',
    change('event-click', (r) => (r.click.linkTags = null)),
    'click',
    'click.linkTags: null (links without tags)',
  );
  oddCase(
    'click-link-tags-missing',
    change('event-click', (r) => delete r.click.linkTags),
    'click',
    'no click.linkTags',
  );
  oddCase(
    'complaint-without-feedback-type',
    change('event-complaint', (r) => delete r.complaint.complaintFeedbackType),
    'complaint',
    'no complaintFeedbackType (no feedback report)',
  );
  oddCase(
    'complaint-sub-type-null',
    change('legacy-complaint-with-feedback-report', (r) => (r.complaint.complaintSubType = null)),
    'complaint',
    'complaintSubType: null, as SES sends it for most complaints',
  );
  oddCase(
    'legacy-complaint-without-feedback-report',
    JSON.stringify(sample('legacy-complaint-without-feedback-report')),
    'complaint',
    'the AWS sample as is',
  );
  oddCase(
    'unknown-event-type',
    change('event-bounce', (r) => (r.eventType = 'Quarantine')),
    'unknown',
    'a type SES may add one day: unknown, never poison',
  );
  oddCase(
    'unknown-notification-type',
    change('legacy-delivery', (r) => (r.notificationType = 'Received')),
    'unknown',
    'an unknown legacy type',
  );
  oddCase(
    'optional-fields-null',
    change('event-bounce', (r) =>
      Object.assign(r.mail, { source: null, sourceArn: null, sendingAccountId: null, callerIdentity: null }),
    ),
    'bounce',
    'mail.source/sourceArn/sendingAccountId/callerIdentity null',
  );
  oddCase(
    'tags-null',
    change('event-bounce', (r) => (r.mail.tags = null)),
    'bounce',
    'mail.tags: null',
  );
  oddCase(
    'tags-empty',
    change('event-bounce', (r) => (r.mail.tags = {})),
    'bounce',
    'mail.tags: {}',
  );
  oddCase(
    'tags-empty-list',
    change('event-bounce', (r) => (r.mail.tags['ses:configuration-set'] = [])),
    'bounce',
    'a tag with no value',
  );
  oddCase(
    'send-without-send-object',
    change('event-send', (r) => delete r.send),
    'send',
    "Send's object is documented empty; its absence is fine",
  );
  oddCase(
    'bounce-without-timestamp',
    change('event-bounce', (r) => delete r.bounce.timestamp),
    'bounce',
    'the event time falls back to mail.timestamp',
  );
  oddCase(
    'bounce-no-recipients',
    change('event-bounce', (r) => (r.bounce.bouncedRecipients = [])),
    'bounce',
    'an empty recipient list',
  );
  oddCase(
    'destination-missing',
    change('event-bounce', (r) => delete r.mail.destination),
    'bounce',
    'no mail.destination',
  );
  oddCase(
    'unicode-everywhere',
    change('event-bounce', (r) => {
      r.mail.source = 'Zoë Ünal <zoë@exämple.com>';
      r.mail.commonHeaders.subject = 'Grüße 👋 — 你好';
      r.bounce.bouncedRecipients[0].emailAddress = 'δοκιμή@παράδειγμα.δοκιμή';
      r.mail.tags['kampagne-ü'] = ['frühling'];
    }),
    'bounce',
    'non-ASCII names, subjects, tags and addresses',
  );
  oddCase(
    'lone-surrogate-escaped',
    bounceText.replace('"Message sent from Amazon SES"', '"broken \\ud83d emoji"'),
    'bounce',
    'an escaped lone surrogate in a header: valid JSON, kept byte for byte',
  );
  oddCase(
    'extra-unknown-fields',
    change('event-bounce', (r) =>
      Object.assign(r, { newTopLevel: { a: 1 } }, { mail: { ...r.mail, futureField: [1, 2] } }),
    ),
    'bounce',
    'fields SES may add',
  );
  oddCase(
    'nested-header-values',
    change('event-bounce', (r) => {
      let v: unknown = 'deep';
      for (let i = 0; i < 500; i++) v = { v };
      r.mail.headers.push({ name: 'X-Deep', value: v });
    }),
    'bounce',
    'a header nested 500 levels deep: not a field the bridge reads',
  );
  oddCase(
    'many-recipients',
    change(
      'event-delivery',
      (r) => (r.delivery.recipients = Array.from({ length: 1_000 }, (_, i) => `r${i}@example.com`)),
    ),
    'delivery',
    '1,000 recipients',
  );
  oddCase(
    'subscription-succeeded-notice',
    JSON.stringify({
      notificationType: 'AmazonSnsSubscriptionSucceeded',
      message: 'You have successfully subscribed your Amazon SNS topic to receive notifications from Amazon SES.',
    }),
    undefined,
    "SES's setup notice: skipped, neither delivered nor parked",
  );

  const manifest: Manifest = {
    description:
      'Bad-input corpus: every file with the problem code and path the bridge must report. Built by test/support/bad-inputs.ts; see its header for the three kinds of entry.',
    records,
    envelopes,
    odd,
  };
  files.set('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, manifest };
}

/** Joins a trigger's prefix and a path relative to the record, as the reader does. */
export function withPrefix(prefix: string, path: string): string {
  if (path === '') return prefix;
  if (prefix === '') return path;
  return path.startsWith('[') ? prefix + path : `${prefix}.${path}`;
}
