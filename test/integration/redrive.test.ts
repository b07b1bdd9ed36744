/**
 * `ses-bridge redrive` end to end against the local SNS and SQS test servers: records parked as unmatched (the
 * parking topic delivers to the parked queue, raw), the routes fixed, a dry run, an execute run that empties the
 * queue and delivers each record once, and a second run that finds nothing. Also: records parked in parts, filters,
 * records still poison, and the intake DLQ moved back to the intake queue.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureClients } from '#lib/aws-clients';
import { type BridgeHarness, startBridge } from '#test/support/bridge-harness';
import { lambdaSqsEvent } from '#test/support/envelopes';
import type { FakeSqsMessageAttribute } from '#test/support/fake-sqs-server';
import { type FakeSqs, startFakeSqs } from '#test/support/fake-sqs-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { loadRawSamples } from '#test/support/sample-events';
import { main } from '../../bin/ses-bridge';
import { handler as sqsHandler } from '../../functions/route-sqs';

const OWNER = '888888888888';
const STRANGER = '222233334444';
const KNOWN = `arn:aws:sns:us-east-1:${OWNER}:known-feedback`;
const STRANGER_TOPIC = `arn:aws:sns:us-east-1:${OWNER}:stranger-feedback`;
const PARKING = `arn:aws:sns:us-east-1:${OWNER}:redrive-parking`;

const BEFORE = {
  routes: [{ name: 'owner', when: { sendingAccountId: OWNER }, to: { topicArn: KNOWN, format: 'original' } }],
  unmatched: { action: 'fail' },
};
const FIXED = {
  routes: [
    ...BEFORE.routes,
    { name: 'stranger', when: { sendingAccountId: STRANGER }, to: { topicArn: STRANGER_TOPIC, format: 'original' } },
  ],
  unmatched: { action: 'fail' },
};

let bridge: BridgeHarness;
let sqs: FakeSqs;
let dir: string;
let parkedQueueUrl: string;
let parkedQueueArn: string;
const fixedRoutes = () => path.join(dir, 'fixed.json');

beforeAll(async () => {
  bridge = await startBridge({ routes: BEFORE, topics: [KNOWN, STRANGER_TOPIC], parkingTopicArn: PARKING });
  sqs = await startFakeSqs({ maxWaitMs: 50 });
  configureClients({ endpoints: { sqs: sqs.endpoint } });
  dir = mkdtempSync(path.join(tmpdir(), 'redrive-'));
  writeFileSync(fixedRoutes(), JSON.stringify(FIXED));
  // The stack's parked queue: subscribed to the parking topic with raw message delivery.
  const queue = sqs.state.createQueue('redrive-parked');
  parkedQueueUrl = queue.url;
  parkedQueueArn = queue.arn;
  bridge.fake.state.events.on('publish', (topic, message) => {
    if (topic.arn !== PARKING) return;
    const attributes: Record<string, FakeSqsMessageAttribute> = {};
    for (const [name, a] of Object.entries(message.attributes))
      attributes[name] = { DataType: a.DataType, StringValue: a.StringValue as string };
    sqs.state.deliver(parkedQueueArn, message.body, attributes);
  });
});
afterAll(async () => {
  await bridge.close();
  await sqs.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  bridge.fake.state.clearRecords();
  sqs.state.queueByArn(parkedQueueArn)!.messages.length = 0;
});

function records(account: string, n: number, label: string): string[] {
  const samples = [...loadRawSamples().values()];
  return Array.from({ length: n }, (_, i) => {
    const copy = structuredClone(samples[i % samples.length]!);
    copy.mail.sendingAccountId = account;
    copy.mail.messageId = `${label}-${i}`;
    return JSON.stringify(copy);
  });
}

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readInput: () => '',
    env: {},
  });
  return { code, stdout, stderr };
}

/** `redrive --queue <parked> --routes <fixed> --execute` plus `extra`. */
const execute = (...extra: string[]) =>
  cli('redrive', '--queue', parkedQueueUrl, '--routes', fixedRoutes(), '--execute', ...extra);

const parkedCount = () => sqs.state.queueByArn(parkedQueueArn)!.messages.length;
const bodiesOn = (topicArn: string) => bridge.fake.state.messagesFor(topicArn).map((m) => m.body);

describe('ses-bridge redrive', () => {
  it('parks unmatched records, then after the routes are fixed redrives each once: dry run, execute, nothing twice', async () => {
    const strangers = records(STRANGER, 12, 'stranger');
    const owners = records(OWNER, 3, 'owner');
    await expect(sqsHandler(lambdaSqsEvent([...strangers, ...owners]) as never, bridge.context)).resolves.toEqual({
      batchItemFailures: [],
    });
    expect(parkedCount()).toBe(12);
    expect(bodiesOn(KNOWN)).toHaveLength(3);

    const dry = await cli('redrive', '--queue', parkedQueueUrl, '--routes', fixedRoutes());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      [
        'code       what happens         records',
        'unmatched  deliver to stranger  12',
        '',
        'records: 12  filtered out: 0  incomplete: 0  without text: 0',
        'dry run: nothing was published or deleted; run again with --execute to redrive',
        '',
      ].join('\n'),
    );
    expect(bodiesOn(STRANGER_TOPIC)).toEqual([]);
    // The dry run left every message as it was, visible at once.
    expect(sqs.state.allAttributes(sqs.state.queueByArn(parkedQueueArn)!).ApproximateNumberOfMessages).toBe('12');

    const run = await execute();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('unmatched  redriven      12');
    expect(run.stdout).toContain('stranger  bounce');
    expect(run.stdout).toContain('records: 12  filtered out: 0  redriven: 12  still poison: 0  failed again: 0');
    expect(parkedCount()).toBe(0);
    // Each record delivered once, byte for byte, with the bridgeId it would have had on its first run.
    expect(bodiesOn(STRANGER_TOPIC).sort()).toEqual([...strangers].sort());

    const again = await execute();
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe('no parked records found');
    expect(bodiesOn(STRANGER_TOPIC)).toHaveLength(12);
  });

  it('leaves records that are still poison under the current routes in the queue, and says why', async () => {
    await sqsHandler(lambdaSqsEvent(records(STRANGER, 2, 'still')) as never, bridge.context);
    writeFileSync(path.join(dir, 'before.json'), JSON.stringify(BEFORE));
    const again = await cli(
      'redrive',
      '--queue',
      parkedQueueUrl,
      '--routes',
      path.join(dir, 'before.json'),
      '--execute',
    );
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('unmatched  left parked: still poison (unmatched)  2');
    expect(parkedCount()).toBe(2);
    expect(sqs.state.allAttributes(sqs.state.queueByArn(parkedQueueArn)!).ApproximateNumberOfMessages).toBe('2');
  });

  it('redrives only what --filter selects, and leaves the rest', async () => {
    await sqsHandler(lambdaSqsEvent(records(STRANGER, 3, 'filtered')) as never, bridge.context);
    const none = await execute('--filter', 'code=NotFound');
    expect(none.stdout).toContain('records: 3  filtered out: 3  redriven: 0');
    expect(parkedCount()).toBe(3);
    const young = await execute('--filter', 'older-than=1h');
    expect(young.stdout).toContain('filtered out: 3');
    const all = await execute('--filter', 'code=unmatched', '--filter', 'newer-than=1h');
    expect(all.stdout).toContain('redriven: 3');
    expect(parkedCount()).toBe(0);
  });

  it('joins a record parked in parts before running it, whatever order the parts arrive in', async () => {
    const [text] = records(STRANGER, 1, 'parts');
    const parkId = 'p'.repeat(32);
    const cut = [0, 700, 1500, text!.length];
    const parts = [2, 0, 1].map((i) =>
      JSON.stringify({
        parkId,
        parkedAt: new Date().toISOString(),
        code: 'message_too_large',
        reason: 'r',
        route: 'stranger',
        topicArn: STRANGER_TOPIC,
        messageId: 'parts-0',
        type: 'bounce',
        path: 'Records[0].body',
        transport: 'sqs',
        text: text!.slice(cut[i]!, cut[i + 1]!),
        part: i + 1,
        parts: 3,
      }),
    );
    for (const body of parts) sqs.state.deliver(parkedQueueArn, body);
    const run = await execute();
    expect(run.stdout).toContain('message_too_large  redriven      1');
    expect(bodiesOn(STRANGER_TOPIC)).toEqual([text]);
    expect(parkedCount()).toBe(0);
  });

  it('reads parked records from an NDJSON file', async () => {
    const [text] = records(STRANGER, 1, 'file');
    const file = path.join(dir, 'parked.ndjson');
    writeFileSync(file, `${JSON.stringify({ parkId: 'f'.repeat(32), code: 'unmatched', route: null, text })}\n`);
    const run = await cli('redrive', '--file', file, '--routes', fixedRoutes(), '--execute');
    expect(run.code).toBe(0);
    expect(bodiesOn(STRANGER_TOPIC)).toEqual([text]);
  });

  it('moves the intake DLQ back to the intake queue with --dlq --execute, and only counts without --execute', async () => {
    const dlq = sqs.state.createQueue('intake-dlq');
    sqs.state.createQueue('intake', {
      attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) },
    });
    const intake = sqs.state.queueByName('intake')!;
    for (const body of records(STRANGER, 4, 'dlq')) {
      const m = sqs.state.deliver(intake.arn, body);
      m.receiveCount = 1;
    }
    sqs.state.receive(intake, 10, 0); // moves the four, received once already, to the DLQ
    expect(dlq.messages).toHaveLength(4);
    const dry = await cli('redrive', '--dlq', dlq.url);
    expect(dry.stdout).toBe(
      `${dlq.arn}: about 4 messages would move back to the queue they came from\ndry run: nothing was moved; run again with --execute\n`,
    );
    expect(dlq.messages).toHaveLength(4);
    const run = await cli('redrive', '--dlq', dlq.url, '--execute');
    expect(run.stdout).toBe(`${dlq.arn}: move task COMPLETED, 4 messages moved back\n`);
    expect(dlq.messages).toHaveLength(0);
    expect(intake.messages).toHaveLength(4);
  });

  it('names the problem of a usage error', async () => {
    const both = await cli('redrive', '--queue', parkedQueueUrl, '--file', 'x.ndjson');
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe(
      'ses-bridge redrive: give exactly one of --queue URL, --file FILE and --dlq URL',
    );
    const filter = await cli('redrive', '--file', 'x.ndjson', '--filter', 'age=1h');
    expect(filter.stderr.split('\n')[0]).toBe(
      'ses-bridge redrive: --filter age=1h: unknown key "age" (code, route, older-than, newer-than)',
    );
  });

  it('stops on Ctrl-C after the records under way: each is either delivered and deleted, or still parked', async () => {
    const texts = records(STRANGER, 3_000, 'interrupted');
    texts.forEach((text, i) =>
      sqs.state.deliver(parkedQueueArn, JSON.stringify({ parkId: `int-${i}`, code: 'unmatched', route: null, text })),
    );
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/ses-bridge.cjs'),
        'redrive',
        '--queue',
        parkedQueueUrl,
        '--routes',
        fixedRoutes(),
        '--execute',
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          AWS_ENDPOINT_URL_SNS: bridge.fake.endpoint,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      // One Ctrl-C: a second one aborts at once, on purpose.
      if (!interrupted && d.toString().includes('records read')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stdout).toContain('stopped by Ctrl-C: the records under way were finished, the rest left as they were');
    const delivered = new Set(bodiesOn(STRANGER_TOPIC));
    const left = sqs.state.queueByArn(parkedQueueArn)!.messages.map((m) => JSON.parse(m.body).text as string);
    expect(delivered.size).toBeGreaterThan(0);
    expect(left.length).toBeGreaterThan(0);
    expect(bodiesOn(STRANGER_TOPIC)).toHaveLength(delivered.size);
    expect(left.filter((t) => delivered.has(t))).toEqual([]);
    expect(delivered.size + left.length).toBe(texts.length);
    // Left as they were: visible again at once for the next run.
    expect(sqs.state.allAttributes(sqs.state.queueByArn(parkedQueueArn)!).ApproximateNumberOfMessages).toBe(
      String(left.length),
    );
  }, 120_000);
});
