/**
 * Redrive streams: 50,000 parked records redriven by the real `ses-bridge` process, against the local SQS and SNS
 * test servers running in this process, stay under 200 MB peak RSS (measured by the child itself,
 * process.resourceUsage). A size bound, not a timing target: the time it takes is not asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';
import { type FakeSqs, startFakeSqs } from '#test/support/fake-sqs-server';
import { REPO_ROOT } from '#test/support/fixtures';
import { loadRawSamples } from '#test/support/sample-events';

const RECORDS = 50_000;
const LIMIT_BYTES = 200 * 1024 * 1024;
const TOPIC = 'arn:aws:sns:us-east-1:888888888888:redriven';

let sns: FakeSns;
let sqs: FakeSqs;
let dir: string;

beforeAll(async () => {
  sns = await startFakeSns();
  sqs = await startFakeSqs({ maxWaitMs: 50 });
  sns.state.createTopic('redriven', { accountId: '888888888888' });
  dir = mkdtempSync(path.join(tmpdir(), 'redrive-memory-'));
  writeFileSync(
    path.join(dir, 'routes.json'),
    JSON.stringify({ routes: [{ name: 'all', to: { topicArn: TOPIC, format: 'original' } }] }),
  );
});
afterAll(async () => {
  await sns?.close();
  await sqs?.close();
  rmSync(dir, { recursive: true, force: true });
});

it(`redrives ${RECORDS} parked records in one process under 200 MB peak RSS`, { timeout: 600_000 }, async () => {
  const queue = sqs.state.createQueue('parked');
  const samples = [...loadRawSamples().values()];
  for (let i = 0; i < RECORDS; i++) {
    const record = structuredClone(samples[i % samples.length]!);
    record.mail.messageId = `memory-${i}`;
    const text = JSON.stringify(record);
    const parked = { parkId: `park-${i}`, parkedAt: '2026-01-01T00:00:00.000Z', code: 'unmatched', route: null, text };
    sqs.state.deliver(queue.arn, JSON.stringify(parked));
  }
  // Published messages are not kept by the test: only their count matters here.
  let published = 0;
  sns.state.events.on('publish', () => {
    published++;
    sns.state.published.length = 0;
  });

  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      // A heap cap well under the bound: a redrive that kept its records would run out of heap here, whatever the
      // machine's load, while one that streams only collects garbage sooner. Without it V8 lets the heap grow
      // close to the bound before collecting (about 190 MB peak against about 135 MB with the cap).
      '--max-old-space-size=96',
      path.join(REPO_ROOT, 'test/support/run-cli-measured.cjs'),
      'redrive',
      '--queue',
      queue.url,
      '--routes',
      path.join(dir, 'routes.json'),
      '--execute',
    ],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  expect(stdout).toContain(`records: ${RECORDS}  filtered out: 0  redriven: ${RECORDS}  still poison: 0`);
  expect(published).toBe(RECORDS);
  expect(queue.messages).toHaveLength(0);
  const peak = Number(/peak-rss (\d+)/.exec(stderr)?.[1]);
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(LIMIT_BYTES);
});
