/**
 * `ses-bridge migrate demo` (`npm run migrate:demo`): the whole migration on the local test servers, no AWS account.
 * It starts the SES (with STS), SNS and SQS test servers, seeds an owner and two delegates with legacy cross-account
 * topics (test/fixtures/migration/demo-scenario.json, account ids as in events/), runs the bridge itself on the
 * intake topic, and runs inventory -> plan (bridge) -> apply -> verify --canary -> cleanup through the real
 * commands, each as its account, showing each step's result.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { resetClients } from '#lib/aws-clients';
import { loadRoutesFile } from '#lib/config';
import { processDocument } from '#lib/pipeline';
import { createSnsPublisher } from '#lib/publish/sns';
import { type CompiledRoutes, compileRoutes } from '#lib/routing/index';
import { feedbackBody, publishFeedback } from '#test/support/fake-ses-feedback';
import { FakeSes } from '#test/support/fake-ses-server';
import { type PublishedMessage, startFakeSns } from '#test/support/fake-sns-server';
import { deliverToSqs } from '#test/support/fake-sns-sqs-delivery';
import { startFakeSqs } from '#test/support/fake-sqs-server';
import { REPO_ROOT } from '#test/support/fixtures';
import type { Io } from '../cli';

type Runner = (name: string, argv: string[], io: Io) => Promise<number>;

const scenario = () =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration/demo-scenario.json'), 'utf8'));

/** The SNS trigger event Lambda would give route-sns for one message of the intake topic. */
function snsEvent(message: PublishedMessage) {
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
          Message: message.body,
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

export async function runMigrationDemo(io: Io, run: Runner, dir: string): Promise<number> {
  const s = scenario();
  const owner: string = s.identities[0].accountId;
  const delegates: string[] = s.crossAccount.map((c: { delegateAccountId: string }) => c.delegateAccountId);
  const identityArn: string = s.crossAccount[0].identityArn;
  const started = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const at = (file: string) => path.join(dir, file);

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
  // The bridge: route-sns on every message of the intake topic, with the plan's routes once they exist.
  let routes: CompiledRoutes | null = null;
  const bridged: Array<Promise<unknown>> = [];
  sns.state.events.on('publish', (topic, message) => {
    if (topic.arn !== s.bridgeTopicArn || routes === null) return;
    const doc = snsEvent(message);
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
  let n = 0;
  let failed = 0;
  /** Runs one migrate command as `account`, showing its progress and a one-line result. */
  const step = async (what: string, account: string, name: string, argv: string[]): Promise<string> => {
    const keys = ses.credentials(account);
    process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
    resetClients();
    io.stdout(`\n== ${++n}. ${what} (account ${account}): ses-bridge migrate ${name} ${argv.join(' ')}\n`);
    let out = '';
    const code = await run(name, [...argv, ...(name === 'plan' ? [] : ['--pace-ms', '0'])], {
      ...io,
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => io.stdout(`   ${t.replace(/\n(?=.)/g, '\n   ')}`),
    });
    io.stdout(`   -> exit ${code}${out.length < 400 ? `: ${out.trim()}` : ''}\n`);
    if (code !== 0) failed++;
    return out;
  };
  try {
    io.stdout(
      `ses-bridge migration walk-through on local test servers (SES+STS ${ses.endpoint()}, SNS ${sns.endpoint}, SQS ${sqs.endpoint})\nowner ${owner} (example.com), delegates ${delegates.join(', ')} with legacy cross-account topics; files in ${dir}\n`,
    );
    await step('inventory of the owner', owner, 'inventory', ['--all', '--out', at('inventory-owner.json')]);
    for (const d of delegates)
      await step('inventory of a delegate', d, 'inventory', [
        '--identities',
        identityArn,
        '--out',
        at(`inventory-${d}.json`),
      ]);
    await step('plan (bridge)', owner, 'plan', [
      ...['owner', ...delegates].flatMap((a) => ['--inventory', at(`inventory-${a}.json`)]),
      '--strategy',
      'bridge',
      '--bridge-topic',
      s.bridgeTopicArn,
      '--out',
      at('plan'),
    ]);
    routes = compileRoutes(loadRoutesFile(at('plan/routes.json'), {}));
    const plan = ['--plan', at('plan/plan.json')];
    await step('apply: the owner points example.com at the bridge', owner, 'apply', [
      ...plan,
      '--account-id',
      owner,
      '--execute',
      '--journal',
      at(`journal-${owner}.ndjson`),
    ]);
    await step('verify the owner', owner, 'verify', [
      ...plan,
      '--account-id',
      owner,
      '--out',
      at(`verify-${owner}.json`),
    ]);
    for (const d of delegates) {
      await step('verify --canary: delivery proven on the delegate topics', d, 'verify', [
        ...plan,
        '--account-id',
        d,
        '--canary',
        '--canary-timeout',
        '30',
        '--out',
        at(`verify-${d}.json`),
      ]);
      await step('cleanup: remove the legacy cross-account topics', d, 'apply', [
        ...plan,
        '--account-id',
        d,
        '--phase',
        'cleanup',
        '--verified',
        at(`verify-${owner}.json`),
        '--verified',
        at(`verify-${d}.json`),
        '--execute',
        '--journal',
        at(`journal-${d}-cleanup.ndjson`),
      ]);
    }
    await Promise.all(bridged);
    const left = [...ses.crossAccount.values()].length;
    io.stdout(
      `\n${failed === 0 ? 'done' : `${failed} steps FAILED`}: ${n} steps in ${((Date.now() - started) / 1000).toFixed(1)} s; legacy cross-account settings left: ${left}; the bridge routed ${bridged.length} notifications of the intake topic\n`,
    );
    return failed === 0 && left === 0 ? 0 : 1;
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    resetClients();
    await Promise.all([ses.close(), sns.close(), sqs.close()]);
  }
}
