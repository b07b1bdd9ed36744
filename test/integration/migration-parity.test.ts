/**
 * Shadow routes, parity and cutover end to end on the local test servers (the world of `ses-bridge migrate demo`):
 * SES publishes legacy notifications to the delegates' topics and to the bridge's intake topic, the bridge routes them
 * with the plan's routes, and `ses-bridge migrate parity` reads both sides through temporary SQS queues.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#test/support/fixtures';
import type { Io } from '../../bin/cli';
import { command } from '../../bin/commands/migrate';
import { type DemoWorld, startDemoWorld } from '../../bin/commands/migrate-demo-world';

let world: DemoWorld;
let dir: string;
let owner: string;
let acme: string;
let beta: string;
const at = (file: string) => path.join(dir, file);
const ACME_TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-feedback';
const ACME_SHADOW = `${ACME_TOPIC}-shadow`;
const BETA_TOPIC = 'arn:aws:sns:us-east-1:210987654321:bounces';

/** Runs one migrate command as `account`, in process. */
async function migrate(account: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readInput: (file) => readFileSync(file, 'utf8'),
    env: {},
  };
  const code = await world.run(account, argv[0]!, argv.slice(1), io);
  return { code, stdout, stderr };
}

const plan = () => ['--plan', at('plan/plan.json')];
const parity = (account: string, more: string[] = []) =>
  migrate(account, [
    'parity',
    ...plan(),
    '--account-id',
    account,
    '--send',
    '--duration',
    '20',
    '--settle',
    '1',
    ...more,
  ]);
/** What the bridge published to a topic (its messages carry the bridgeId attribute), and what SES published. */
const published = (topicArn: string) => {
  const all = world.sns.state.published.filter((m) => m.topicArn === topicArn);
  return {
    bridge: all.filter((m) => m.attributes.bridgeId).length,
    ses: all.filter((m) => !m.attributes.bridgeId).length,
  };
};
/** Sends one bounce as a delegate through the owner's identity and waits for the bridge. */
async function bounceAs(account: string): Promise<void> {
  const { SESClient, SendEmailCommand } = await import('@aws-sdk/client-ses');
  const keys = world.ses.credentials(account);
  const ses = new SESClient({ region: 'us-east-1', endpoint: world.ses.endpoint(), credentials: keys });
  await ses.send(
    new SendEmailCommand({
      Source: 'test@example.com',
      SourceArn: world.identityArn,
      Destination: { ToAddresses: ['bounce@simulator.amazonses.com'] },
      Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } },
    }),
  );
  await new Promise((r) => setTimeout(r, 300));
  await world.settled();
}

beforeAll(async () => {
  world = await startDemoWorld((name, argv, io) => command.run([name, ...argv], io));
  ({ owner } = world);
  [acme, beta] = world.delegates as [string, string];
  dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-parity-'));
  for (const account of [owner, acme, beta]) {
    const args = account === owner ? ['--all'] : ['--identities', world.identityArn];
    expect((await migrate(account, ['inventory', ...args, '--out', at(`inventory-${account}.json`)])).code).toBe(0);
  }
  const planned = await migrate(owner, [
    'plan',
    ...[owner, acme, beta].flatMap((a) => ['--inventory', at(`inventory-${a}.json`)]),
    '--strategy',
    'bridge',
    '--bridge-topic',
    world.bridgeTopicArn,
    '--out',
    at('plan'),
  ]);
  expect(planned.code).toBe(0);
  copyFileSync(at('plan/routes.json'), at('routes.json'));
  world.createShadowTopics(at('routes.json'));
  world.deploy(at('routes.json'));
  expect(
    (await migrate(owner, ['apply', ...plan(), '--account-id', owner, '--execute', '--journal', at('j.ndjson')])).code,
  ).toBe(0);
}, 60_000);
afterAll(async () => {
  await world.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  world.intake = (body) => body;
  // Whatever happened, parity left no queue and no subscription behind.
  expect([...world.sqs.state.queues.values()].map((q) => q.name)).toEqual([]);
  for (const topic of [ACME_TOPIC, ACME_SHADOW, BETA_TOPIC])
    expect([...world.sns.state.topic(topic)!.subscriptions.values()]).toEqual([]);
});

describe('shadow routes', () => {
  it('send nothing to the live topic while shadowed: the bridge copy goes to the shadow topic', async () => {
    const before = { live: published(ACME_TOPIC), shadow: published(ACME_SHADOW) };
    await bounceAs(acme);
    expect(published(ACME_TOPIC)).toEqual({ bridge: before.live.bridge, ses: before.live.ses + 1 });
    expect(published(ACME_SHADOW)).toEqual({ bridge: before.shadow.bridge + 1, ses: 0 });
    const shadowCopy = world.sns.state.published.filter((m) => m.topicArn === ACME_SHADOW).at(-1)!;
    expect(shadowCopy.attributes.shadow).toEqual({ DataType: 'String', StringValue: 'true' });
  });
});

describe('ses-bridge migrate parity', () => {
  it('passes at exact parity: every feedback event matched, field for field', async () => {
    const run = await parity(acme, ['--out', at('parity-acme.json'), '--html', at('parity-acme.html')]);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(at('parity-acme.json'), 'utf8'));
    expect(report).toMatchObject({ report: 'ses-bridge-parity', accountId: acme, passed: true, interrupted: false });
    expect(report.sent).toHaveLength(2);
    expect(report.destinations).toHaveLength(1);
    expect(report.destinations[0]).toMatchObject({
      route: `delegate-${acme}-ses-feedback`,
      topicArn: ACME_TOPIC,
      shadowTopicArn: ACME_SHADOW,
      passed: true,
      counts: { matched: 2, different: 0, 'legacy-only': 0, 'bridge-only': 0, ignored: 0 },
    });
    for (const e of report.destinations[0].events)
      expect(e).toMatchObject({ status: 'matched', legacyCopies: 1, bridgeCopies: 1, differences: [] });
    expect(run.stdout).toContain(
      `delegate-${acme}-ses-feedback  2        0          0            0            0        ok\n`,
    );
    expect(run.stderr).toContain('parity: PASSED: 2 feedback events matched on 1 route, no unexpected difference\n');
    expect(run.stderr).toContain('parity: removed 2 temporary queues and subscriptions\n');
    expect(readFileSync(at('parity-acme.html'), 'utf8')).toContain('<svg');
  }, 60_000);

  it('compares real traffic without --send for the whole duration, pairs completed in a short tail', async () => {
    const run = migrate(acme, ['parity', ...plan(), '--account-id', acme, '--duration', '3', '--settle', '2']);
    await new Promise((r) => setTimeout(r, 1000));
    await bounceAs(acme);
    const { code, stdout, stderr } = await run;
    expect(code).toBe(0);
    expect(stdout).toContain(
      `delegate-${acme}-ses-feedback  1        0          0            0            0        ok\n`,
    );
    expect(stderr).toContain('parity: PASSED: 1 feedback events matched on 1 route, no unexpected difference\n');
  }, 60_000);

  it('fails when the bridge lost a record: the legacy copy has no bridge copy', async () => {
    world.intake = (body) => (JSON.parse(body).notificationType === 'Bounce' ? null : body);
    const run = await parity(acme, ['--out', at('parity-lost.json'), '--duration', '4']);
    expect(run.code).toBe(1);
    const [dest] = JSON.parse(readFileSync(at('parity-lost.json'), 'utf8')).destinations;
    expect(dest.counts).toMatchObject({ matched: 1, 'legacy-only': 1, 'bridge-only': 0, different: 0 });
    const lost = dest.events.find((e: any) => e.status === 'legacy-only');
    expect(lost).toMatchObject({ type: 'bounce', legacyCopies: 1, bridgeCopies: 0 });
    expect(run.stdout).toContain(
      `delegate-${acme}-ses-feedback: LEGACY-ONLY: bounce of ${lost.messageId} (${lost.feedbackKey})\n`,
    );
    expect(run.stderr).toContain(
      'parity: FAILED: 1 legacy only (lost by the bridge); 0 bridge only; 0 with unexpected differences; 1 matched on 1 route\n',
    );
  }, 60_000);

  it('fails on a payload difference, and lets an expected difference pass', async () => {
    world.intake = (body) => {
      const doc = JSON.parse(body);
      if (doc.bounce) doc.bounce.bounceSubType = 'Suppressed';
      return JSON.stringify(doc);
    };
    const changed = await parity(acme, ['--out', at('parity-diff.json')]);
    expect(changed.code).toBe(1);
    const [dest] = JSON.parse(readFileSync(at('parity-diff.json'), 'utf8')).destinations;
    const different = dest.events.find((e: any) => e.status === 'different');
    expect(different.differences).toEqual([
      { path: 'bounce.bounceSubType', legacy: 'General', bridge: 'Suppressed', expected: null },
    ]);
    expect(changed.stdout).toContain(
      '  unexpected difference: bounce.bounceSubType: legacy "General", bridge "Suppressed"\n',
    );
    expect(changed.stderr).toContain('1 with unexpected differences');

    // What the bridge does to a message over SNS's size limit (headers dropped, and said so) is documented: it passes.
    world.intake = (body) => {
      const doc = JSON.parse(body);
      delete doc.mail.headers;
      doc.mail.headersTruncated = true;
      return JSON.stringify(doc);
    };
    const expected = await parity(acme, ['--out', at('parity-expected.json')]);
    expect(expected.code).toBe(0);
    const events = JSON.parse(readFileSync(at('parity-expected.json'), 'utf8')).destinations[0].events;
    for (const e of events) {
      expect(e.status).toBe('matched');
      expect(new Set(e.differences.map((d: any) => d.expected))).toEqual(new Set(['headers-dropped-for-size']));
    }
    // mail.headers: 7 headers of name and value each, and the headersTruncated flag.
    expect(expected.stdout.match(/: 15 expected differences \(headers-dropped-for-size\)\n/g)).toHaveLength(2);
  }, 60_000);
});

describe('ses-bridge migrate parity, cut short', () => {
  it('removes what it made when a subscription fails half-way', async () => {
    const shadow = world.sns.state.topics.get(ACME_SHADOW)!;
    world.sns.state.topics.delete(ACME_SHADOW);
    try {
      const run = await parity(acme);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('parity: removed 2 temporary queues and subscriptions\n');
      expect(run.stderr).toMatch(/ses-bridge migrate parity: failed: NotFound/);
    } finally {
      world.sns.state.topics.set(ACME_SHADOW, shadow);
    }
  });

  it('removes its queues and subscriptions when interrupted with Ctrl-C (exit 130)', async () => {
    const keys = world.ses.credentials(acme);
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/ses-bridge.cjs'),
        'migrate',
        'parity',
        ...plan(),
        '--account-id',
        acme,
        '--pace-ms',
        '0',
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: keys.accessKeyId,
          AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
          AWS_ENDPOINT_URL_SES: world.ses.endpoint(),
          AWS_ENDPOINT_URL_SESV2: world.ses.endpoint(),
          AWS_ENDPOINT_URL_STS: world.ses.endpoint(),
          AWS_ENDPOINT_URL_SNS: world.sns.endpoint,
          AWS_ENDPOINT_URL_SQS: world.sqs.endpoint,
        },
      },
    );
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('(shadow)\n')) resolve();
      }),
    );
    expect(world.sqs.state.queues.size).toBe(2);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toContain('parity: interrupted: removing its queues and subscriptions\n');
    expect(stderr).toContain('parity: removed 2 temporary queues and subscriptions\n');
  }, 60_000);
});

describe('cutover', () => {
  it('is refused without a passing parity report, flips the routes live, and rolls back to shadow', async () => {
    const cutover = ['apply', ...plan(), '--account-id', owner, '--phase', 'cutover', '--routes', at('routes.json')];
    const refused = await migrate(owner, [...cutover, '--execute', '--parity-report', at('parity-lost.json')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `no passing parity report for route delegate-${acme}-ses-feedback (${ACME_TOPIC}): run "ses-bridge migrate parity --plan plan.json --account-id ${acme} --send --out parity-${acme}.json" with ${acme}'s credentials and pass the file with --parity-report`,
    );
    expect(JSON.parse(readFileSync(at('routes.json'), 'utf8')).routes[0].mode).toBe('shadow');

    expect((await parity(beta, ['--out', at('parity-beta.json')])).code).toBe(0);
    const reports = ['--parity-report', at('parity-acme.json'), '--parity-report', at('parity-beta.json')];
    const done = await migrate(owner, [...cutover, ...reports, '--execute', '--journal', at('cutover.ndjson')]);
    expect(done.code).toBe(0);
    expect(JSON.parse(readFileSync(at('routes.json'), 'utf8')).routes.map((r: any) => r.mode ?? 'live')).toEqual([
      'live',
      'live',
    ]);
    world.deploy(at('routes.json'));
    const before = { live: published(ACME_TOPIC), shadow: published(ACME_SHADOW) };
    await bounceAs(acme);
    // Live: the bridge copy reaches the delegate's topic (beside the legacy copy, until cleanup), the shadow none.
    expect(published(ACME_TOPIC)).toEqual({ bridge: before.live.bridge + 1, ses: before.live.ses + 1 });
    expect(published(ACME_SHADOW)).toEqual(before.shadow);

    const rollback = await migrate(owner, [
      'rollback',
      '--journal',
      at('cutover.ndjson'),
      ...plan(),
      '--account-id',
      owner,
      '--routes',
      at('routes.json'),
      '--execute',
    ]);
    expect(rollback.code).toBe(0);
    expect(JSON.parse(readFileSync(at('routes.json'), 'utf8')).routes.map((r: any) => r.mode)).toEqual([
      'shadow',
      'shadow',
    ]);
  }, 90_000);
});
