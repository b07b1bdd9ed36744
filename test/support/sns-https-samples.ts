/**
 * The sample events under events/sns-https/: function URL events whose bodies are SNS HTTP/S posts, signed with the
 * committed TEST-ONLY key (SigningCertURL = TEST_CERT_URL). They verify only where that certificate is trusted:
 * tests, `ses-bridge sns-verify --cert`, and `serverless invoke local` with SNS_HTTPS_TRUST_TEST_CERT=true.
 * Their Timestamp is fixed, so invoking them also needs a large SNS_HTTPS_MAX_AGE_SECONDS (docs/sns-https.md).
 * `node bin/run-ts.cjs test/support/write-sns-https-events.ts` rewrites them; test/unit/sns-https/samples.test.ts
 * fails when they drift from this file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stableUuid } from './envelopes';
import { EVENTS_DIR } from './sample-events';
import {
  confirmationBody,
  functionUrlEvent,
  notificationBody,
  signBody,
  snsHeaders,
  TEST_TOPIC_ARN,
} from './sns-signing';

export const SNS_HTTPS_EVENTS_DIR = path.join(EVENTS_DIR, 'sns-https');

/** Every sample's Timestamp. */
export const SAMPLE_TIMESTAMP = '2026-01-01T00:00:00.000Z';

/** Credentials of the raw-delivery sample (test only). */
export const SAMPLE_BASIC_AUTH = { user: 'sns-intake', password: 'test-only-password' } as const;

function rawRecord(name: string): string {
  return JSON.stringify(JSON.parse(readFileSync(path.join(EVENTS_DIR, 'raw', `${name}.json`), 'utf8')));
}

/** A signed post, as SNS sends it: indented JSON text, SNS's headers. */
function signedPost(body: Parameters<typeof signBody>[0], version: '1' | '2' = '2'): Record<string, unknown> {
  const signed = signBody(body, { version });
  return functionUrlEvent(JSON.stringify(signed, null, 2), snsHeaders(signed));
}

/** File name (under events/sns-https/) -> event. */
export function buildSnsHttpsSamples(): Map<string, Record<string, unknown>> {
  const samples = new Map<string, Record<string, unknown>>();
  const ids = (name: string) => ({ messageId: stableUuid(`sns-https:${name}`), timestamp: SAMPLE_TIMESTAMP });

  samples.set(
    'subscription-confirmation.json',
    signedPost(confirmationBody('SubscriptionConfirmation', ids('subscription-confirmation'))),
  );
  samples.set(
    'unsubscribe-confirmation.json',
    signedPost(confirmationBody('UnsubscribeConfirmation', ids('unsubscribe-confirmation'))),
  );
  samples.set(
    'notification-bounce.json',
    signedPost(
      notificationBody({
        message: rawRecord('legacy-bounce-with-dsn'),
        subject: 'Amazon SES Email Event Notification',
        ...ids('notification-bounce'),
      }),
    ),
  );
  samples.set(
    'notification-delivery-v1.json',
    signedPost(notificationBody({ message: rawRecord('event-delivery'), ...ids('notification-delivery-v1') }), '1'),
  );

  // The bounce sample with one character of its Message changed after signing: must be refused (403 bad_signature).
  const forged = structuredClone(samples.get('notification-bounce.json')!);
  const forgedBody = JSON.parse(String(forged.body)) as Record<string, string>;
  forgedBody.Message = forgedBody.Message!.replace('"bounceType":"Permanent"', '"bounceType":"Transient"');
  forged.body = JSON.stringify(forgedBody, null, 2);
  samples.set('forged-tampered-message.json', forged);

  // Raw message delivery: the bare SES record, no envelope, no signature; only basic auth vouches for it.
  const raw = rawRecord('legacy-complaint-with-feedback-report');
  const basic = Buffer.from(`${SAMPLE_BASIC_AUTH.user}:${SAMPLE_BASIC_AUTH.password}`).toString('base64');
  samples.set(
    'raw-delivery.json',
    functionUrlEvent(raw, {
      'content-type': 'text/plain; charset=UTF-8',
      'user-agent': 'Amazon Simple Notification Service Agent',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': stableUuid('sns-https:raw-delivery'),
      'x-amz-sns-topic-arn': TEST_TOPIC_ARN,
      'x-amz-sns-subscription-arn': `${TEST_TOPIC_ARN}:00000000-0000-4000-8000-000000000000`,
      'x-amz-sns-rawdelivery': 'true',
      authorization: `Basic ${basic}`,
    }),
  );
  return samples;
}

/** A sample's file text: 2-space JSON and a final newline. */
export function snsHttpsSampleText(event: unknown): string {
  return `${JSON.stringify(event, null, 2)}\n`;
}
