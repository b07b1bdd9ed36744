/**
 * The migration walk-through (`ses-bridge migrate demo`, `npm run migrate:demo`) runs end to end on the local test
 * servers, and the routes it plans route the sample events under events/ (same account ids).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '#test/support/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-migrate-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ses-bridge migrate demo', () => {
  it('runs inventory, plan (bridge), apply, verify --canary and cleanup for an owner and two delegates', async () => {
    const { code, stdout, stderr } = await runCli(['migrate', 'demo', '--dir', dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const headers = stdout.split('\n').filter((l) => l.startsWith('== '));
    expect(headers.map((l) => l.replace(/ \(account.*$/, ''))).toEqual([
      '== 1. inventory of the owner',
      '== 2. inventory of a delegate',
      '== 3. inventory of a delegate',
      '== 4. plan (bridge)',
      '== 5. apply: the owner points example.com at the bridge',
      '== 6. verify the owner',
      '== 7. verify --canary: delivery proven on the delegate topics',
      '== 8. cleanup: remove the legacy cross-account topics',
      '== 9. verify --canary: delivery proven on the delegate topics',
      '== 10. cleanup: remove the legacy cross-account topics',
    ]);
    expect(stdout.match(/-> exit 0/g)).toHaveLength(10);
    // Before cleanup, each delegate's topic got the feedback twice: legacy (from SES) and through the bridge.
    expect(stdout).toContain(
      'canary: arn:aws:sns:us-east-1:123456789012:ses-feedback: PASSED (notification); Bounce ok in ',
    );
    const direct = 'notification by identity notification directly from SES';
    const bridged = 'notification by identity notification through the bridge';
    const bounce = /Bounce ok in \d+ ms, 2 copies \(([^)]*)\)/.exec(stdout)![1]!.split('; ').sort();
    expect(bounce).toEqual([direct, bridged]);
    expect(stdout).toMatch(
      /done: 10 steps in [\d.]+ s; legacy cross-account settings left: 0; the bridge routed \d+ notifications/,
    );

    // The planned routes route the sample events: a delegate's legacy notification goes to its topic.
    const routed = await runCli([
      'route',
      '--routes',
      path.join(dir, 'plan/routes.json'),
      'events/sns/legacy-bounce-without-dsn.json',
    ]);
    expect(routed.code).toBe(0);
    expect(jsonLines(routed.stdout).map((r) => [r.route, r.topicArn, r.format])).toEqual([
      ['delegate-123456789012-ses-feedback', 'arn:aws:sns:us-east-1:123456789012:ses-feedback', 'notification'],
    ]);
  }, 120_000);
});
