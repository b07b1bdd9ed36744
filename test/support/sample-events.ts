/**
 * The sample events under events/, built from the AWS documentation examples in events/raw/.
 * `npm run events` rewrites them; test/unit/envelopes/index.test.ts fails when they drift from this file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  eventBridgeEvent,
  firehoseEvent,
  lambdaSnsEvent,
  lambdaSqsEvent,
  OWNER_ACCOUNT,
  snsEnvelope,
  sqsBodyFromSns,
} from './envelopes';

export const EVENTS_DIR = path.resolve(__dirname, '../../events');

/** Two delegate senders and the owner, used by the multi-delegate samples and the example routes file. */
export const ACME_ACCOUNT = '111122223333';
export const BILLING_ACCOUNT = '444455556666';

type SesJson = Record<string, any>;

export function loadRawSamples(): Map<string, SesJson> {
  const dir = path.join(EVENTS_DIR, 'raw');
  const samples = new Map<string, SesJson>();
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.json')) samples.set(file.slice(0, -5), JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  return samples;
}

/** Re-addresses a sample as sent by `account` from the owner's example.com identity, with its own message id. */
function sentBy(record: SesJson, account: string, n: number, configurationSet?: string): SesJson {
  const copy = structuredClone(record);
  copy.mail.sendingAccountId = account;
  copy.mail.sourceArn = `arn:aws:ses:us-east-1:${OWNER_ACCOUNT}:identity/example.com`;
  copy.mail.messageId = `0100019${account.slice(0, 4)}${String(n).padStart(4, '0')}-multi-delegate-sample-000000`;
  if (configurationSet !== undefined && copy.mail.tags) copy.mail.tags['ses:configuration-set'] = [configurationSet];
  return copy;
}

/** Every sample event file: path relative to events/ -> content (a JSON value, or text for .ndjson). */
export function buildSampleEvents(): Map<string, unknown> {
  const raw = loadRawSamples();
  const files = new Map<string, unknown>();
  const text = (name: string) => JSON.stringify(raw.get(name));
  const names = [...raw.keys()];
  const eventNames = names.filter((n) => n.startsWith('event-'));

  for (const name of names) {
    files.set(`sns/${name}.json`, lambdaSnsEvent([text(name)]));
    files.set(`sns-http/${name}.json`, snsEnvelope(text(name)));
  }
  for (const name of eventNames) {
    files.set(`eventbridge/${name.slice('event-'.length)}.json`, eventBridgeEvent(raw.get(name)!));
  }
  files.set('sqs/sns-envelope-all-types.json', lambdaSqsEvent(names.map((n) => sqsBodyFromSns(text(n)))));
  files.set('sqs/raw-delivery-all-types.json', lambdaSqsEvent(names.map((n) => text(n))));
  files.set('firehose/all-event-types.json', firehoseEvent(eventNames.map(text)));
  files.set('firehose/s3-object.ndjson', eventNames.map((n) => `${text(n)}\n`).join(''));

  // One identity (example.com, owned by 888888888888) shared by two delegates and the owner: what the bridge splits.
  const multi: SesJson[] = [
    sentBy(raw.get('legacy-bounce-with-dsn')!, ACME_ACCOUNT, 1),
    sentBy(raw.get('legacy-complaint-with-feedback-report')!, ACME_ACCOUNT, 2),
    sentBy(raw.get('legacy-delivery')!, ACME_ACCOUNT, 3),
    sentBy(raw.get('event-bounce')!, BILLING_ACCOUNT, 4, 'billing-events'),
    sentBy(raw.get('event-delivery')!, BILLING_ACCOUNT, 5, 'billing-events'),
    sentBy(raw.get('event-delivery-delay')!, BILLING_ACCOUNT, 6, 'billing-events'),
    sentBy(raw.get('legacy-bounce-without-dsn')!, OWNER_ACCOUNT, 7),
    sentBy(raw.get('legacy-delivery')!, OWNER_ACCOUNT, 8),
  ];
  files.set('sqs/multi-delegate-batch.json', lambdaSqsEvent(multi.map((r) => sqsBodyFromSns(JSON.stringify(r)))));
  files.set('sns/multi-delegate-bounce.json', lambdaSnsEvent([JSON.stringify(multi[0])]));

  // Good records beside bad ones: the good ones must still be delivered, the bad ones parked with their reason.
  const missingMessageId = structuredClone(raw.get('legacy-bounce-with-dsn')!);
  delete missingMessageId.mail.messageId;
  files.set(
    'sqs/with-bad-records.json',
    lambdaSqsEvent([
      sqsBodyFromSns(JSON.stringify(multi[0])),
      '{"notificationType":"Bounce","mail":{"timestamp":"2026-01-01T00:00:00.000Z",',
      sqsBodyFromSns('Hello from SNS!'),
      sqsBodyFromSns(JSON.stringify(missingMessageId)),
      JSON.stringify({ hello: 'not SES' }),
      sqsBodyFromSns(JSON.stringify(multi[3])),
    ]),
  );
  return files;
}

/** The text a sample event file holds. */
export function sampleEventText(relative: string, content: unknown): string {
  return relative.endsWith('.ndjson') ? (content as string) : `${JSON.stringify(content, null, 2)}\n`;
}
