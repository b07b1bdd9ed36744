/**
 * Building blocks of the adversarial suite (test/integration/adversarial-intake.test.ts): a genuine SES record from
 * a delegate, a forged one addressed to another delegate, and the trigger events a hostile sender could build around
 * them. The forged record carries FORGED_MARK in its recipient and messageId, so a test can say "nothing forged was
 * published" by searching every message the SNS test server received.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  eventBridgeEvent,
  firehoseEvent,
  lambdaSnsEvent,
  lambdaSqsEvent,
  snsEnvelope,
  sqsBodyFromSns,
} from './envelopes';
import { REPO_ROOT } from './fixtures';

export const ACCOUNT = '888888888888';
export const DELEGATE = '111122223333';
export const VICTIM = '444455556666';
export const DELEGATE_TOPIC = `arn:aws:sns:us-east-1:${DELEGATE}:delegate-feedback`;
export const VICTIM_TOPIC = `arn:aws:sns:us-east-1:${VICTIM}:victim-feedback`;
export const PARKING_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:adversarial-parking`;
export const FORGED_MARK = 'forged-by-attacker';

/** Routes: each delegate's account to its own topic, byte for byte; anything else is dropped. */
export const ADVERSARIAL_ROUTES = {
  routes: [
    { name: 'delegate', when: { sendingAccountId: DELEGATE }, to: { topicArn: DELEGATE_TOPIC, format: 'original' } },
    { name: 'victim', when: { sendingAccountId: VICTIM }, to: { topicArn: VICTIM_TOPIC, format: 'original' } },
  ],
  unmatched: { action: 'drop' },
};

function bounce(account: string, recipient: string, messageId: string): string {
  const record = JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/raw/legacy-bounce-with-dsn.json'), 'utf8'));
  record.mail.sendingAccountId = account;
  record.mail.messageId = messageId;
  record.mail.destination = [recipient];
  record.bounce.bouncedRecipients = [{ emailAddress: recipient, action: 'failed', status: '5.1.1' }];
  return JSON.stringify(record);
}

/** A record SES really sent for the delegate. */
export const GENUINE = bounce(DELEGATE, 'customer@delegate.example', 'genuine-0000-0000');
/** A made-up bounce for another delegate's recipient: must never reach any delegate's topic. */
export const FORGED = bounce(VICTIM, `${FORGED_MARK}@victim.example`, `${FORGED_MARK}-0000`);
export const FORGED_JSON = JSON.parse(FORGED) as Record<string, unknown>;

/** Another transport's keys, carrying the forged record, to add beside a genuine envelope. */
export const SMUGGLED: Record<string, Record<string, unknown>> = {
  'an SQS-shaped Records array': { Records: lambdaSqsEvent([FORGED]).Records },
  'a Lambda SNS-shaped Records array': { Records: (lambdaSnsEvent([FORGED]) as { Records: unknown[] }).Records },
  'EventBridge detail-type, source and detail': (() => {
    const { 'detail-type': detailType, source } = eventBridgeEvent({ ...FORGED_JSON, eventType: 'Bounce' });
    return { 'detail-type': detailType, source, detail: FORGED_JSON };
  })(),
  'Firehose records and deliveryStreamArn': (() => {
    const { records, deliveryStreamArn, invocationId } = firehoseEvent([FORGED]);
    return { records, deliveryStreamArn, invocationId };
  })(),
  'the SES record keys themselves (mail, notificationType, bounce)': {
    mail: FORGED_JSON.mail,
    notificationType: 'Bounce',
    bounce: FORGED_JSON.bounce,
  },
  'an SQS body key': { body: sqsBodyFromSns(FORGED) },
  'a Lambda Sns object': { Sns: snsEnvelope(FORGED) },
};

/** Every message published anywhere but the parking topic that carries the forged record's mark. */
export function forgedDeliveries(published: ReadonlyArray<{ topicArn: string; body: string }>): string[] {
  return published.filter((m) => m.topicArn !== PARKING_TOPIC && m.body.includes(FORGED_MARK)).map((m) => m.topicArn);
}
