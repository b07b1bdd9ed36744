/**
 * The local world of `ses-bridge migrate demo` (and of the parity tests): the SES (with STS), SNS and SQS test
 * servers, an owner and two delegates with legacy cross-account topics (test/fixtures/migration/demo-scenario.json,
 * account ids as in events/), their shadow topics, and the bridge itself running route-sns on the intake topic with
 * the routes file it was last "deployed" with. Commands run in process as one account at a time.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resetClients } from '#lib/aws-clients';
import { loadRoutesFile } from '#lib/config';
import { processDocument } from '#lib/pipeline';
import { createSnsPublisher } from '#lib/publish/sns';
import { type CompiledRoutes, compileRoutes } from '#lib/routing/index';
import { feedbackBody, publishFeedback } from '#test/support/fake-ses-feedback';
import { FakeSes } from '#test/support/fake-ses-server';
import { type FakeSns, type PublishedMessage, startFakeSns } from '#test/support/fake-sns-server';
import { deliverToSqs } from '#test/support/fake-sns-sqs-delivery';
import { type FakeSqs, startFakeSqs } from '#test/support/fake-sqs-server';
import { REPO_ROOT } from '#test/support/fixtures';
import type { Io } from '../cli';

export type Runner = (name: string, argv: string[], io: Io) => Promise<number>;

/** The SNS trigger event Lambda would give route-sns for one message of the intake topic. */
function snsEvent(message: PublishedMessage, body: string) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${message.topicArn}:bridge`,
        Sns: {
          Type: 'Notification',
          MessageId: message.messageId,
          TopicArn: message.topicArn,
          Subject: null,
          Message: body,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

export interface DemoWorld {
  owner: string;
  delegates: string[];
  identityArn: string;
  bridgeTopicArn: string;
  ses: FakeSes;
  sns: FakeSns;
  sqs: FakeSqs;
  /** Deploys a routes file to the bridge (a copy of it: later edits need another deploy, as in AWS). */
  deploy(routesFile: string): void;
  /** The delegates' manual prepare step: create the shadow topic of each shadow route; returns their ARNs. */
  createShadowTopics(routesFile: string): string[];
  /**
   * What reaches the bridge from the intake topic: the message body, changed or dropped (null) by this hook; the
   * parity tests use it to make the bridge lose or alter a record.
   */
  intake: (body: string) => string | null;
  /** Waits for every intake message the bridge is still processing. */
  settled(): Promise<void>;
  /** Runs one migrate command as `account`. */
  run(account: string, name: string, argv: string[], io: Io): Promise<number>;
  close(): Promise<void>;
}

export async function startDemoWorld(run: Runner): Promise<DemoWorld> {
  const s = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration/demo-scenario.json'), 'utf8'));
  const owner: string = s.identities[0].accountId;
  const delegates: string[] = s.crossAccount.map((c: { delegateAccountId: string }) => c.delegateAccountId);
  const ses = await FakeSes.start({ accounts: [owner, ...delegates] });
  const sns = await startFakeSns({ accountId: owner });
  const sqs = await startFakeSqs({ accountId: delegates[0]!, maxWaitMs: 500 });
  ses.seed(s);
  for (const arn of s.topics as string[]) {
    const [, , , region, account, name] = arn.split(':') as [string, string, string, string, string, string];
    sns.state.createTopic(name, { region, accountId: account });
  }
  deliverToSqs(sns.state, sqs.state);
  ses.onFeedback = (sent, feedback, recipient) =>
    publishFeedback(sns.state, feedback.topicArn, feedbackBody(sent, feedback, recipient));
  let routes: CompiledRoutes | null = null;
  const bridged: Array<Promise<unknown>> = [];
  const world: DemoWorld = {
    owner,
    delegates,
    identityArn: s.crossAccount[0].identityArn,
    bridgeTopicArn: s.bridgeTopicArn,
    ses,
    sns,
    sqs,
    deploy(routesFile) {
      const deployed = `${routesFile}.deployed`;
      copyFileSync(routesFile, deployed);
      routes = compileRoutes(loadRoutesFile(deployed, {}));
    },
    createShadowTopics(routesFile) {
      const doc = JSON.parse(readFileSync(routesFile, 'utf8')) as { routes: Array<{ shadowTopicArn?: string }> };
      const arns = [...new Set(doc.routes.flatMap((r) => (r.shadowTopicArn ? [r.shadowTopicArn] : [])))];
      for (const arn of arns) {
        const [, , , region, account, name] = arn.split(':') as [string, string, string, string, string, string];
        if (!sns.state.topic(arn)) sns.state.createTopic(name, { region, accountId: account });
      }
      return arns;
    },
    intake: (body) => body,
    async settled() {
      await Promise.all(bridged);
    },
    async run(account, name, argv, io) {
      const keys = ses.credentials(account);
      process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
      resetClients();
      return run(name, [...argv, ...(name === 'plan' ? [] : ['--pace-ms', '0'])], io);
    },
    async close() {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      resetClients();
      await Promise.all([ses.close(), sns.close(), sqs.close()]);
    },
  };
  sns.state.events.on('publish', (topic, message) => {
    if (topic.arn !== s.bridgeTopicArn || routes === null) return;
    const body = world.intake(message.body);
    if (body === null) return;
    const doc = snsEvent(message, body);
    bridged.push(
      processDocument(doc, JSON.stringify(doc), { routes, publisher: createSnsPublisher(), parkingTopicArn: null }),
    );
  });
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SES: ses.endpoint(),
    AWS_ENDPOINT_URL_SESV2: ses.endpoint(),
    AWS_ENDPOINT_URL_STS: ses.endpoint(),
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
  });
  return world;
}
