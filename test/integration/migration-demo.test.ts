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
  it('walks the bridge path: inventory, plan, apply (shadow), canary, parity, cutover, cleanup', async () => {
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
      '== 7. verify --canary: the legacy path still delivers, the shadow route does not',
      '== 8. verify --canary: the legacy path still delivers, the shadow route does not',
      '== 9. parity: the shadow topic against the legacy topic',
      '== 10. parity: the shadow topic against the legacy topic',
      "== 11. cutover: the delegates' routes go live",
      '== 12. verify the bridge operator, cutover included',
      '== 13. cleanup: remove the legacy cross-account topics',
      '== 14. cleanup: remove the legacy cross-account topics',
    ]);
    expect(stdout.match(/-> exit 0/g)).toHaveLength(14);
    // While the delegates' routes are shadowed, their topics get the legacy copy only: nothing from the bridge.
    expect(stdout).toMatch(
      /canary: arn:aws:sns:us-east-1:123456789012:ses-feedback: PASSED \(notification\); Bounce ok in \d+ ms, 1 copy \(notification by identity notification directly from SES\), Complaint ok in \d+ ms, 1 copy \(notification by identity notification directly from SES\); duplicates 0\n/,
    );
    expect(stdout).toContain('parity: PASSED: 2 feedback events matched on 1 route, no unexpected difference');
    expect(stdout).toContain('parity: PASSED: 1 feedback events matched on 1 route, no unexpected difference');
    expect(stdout).toContain('09-bridge-cutover-delegate-123456789012-ses-feedback: changed mode shadow -> mode live');
    expect(stdout).toMatch(
      /done: 14 steps in [\d.]+ s; legacy cross-account settings left: 0; the bridge routed \d+ notifications/,
    );

    // The planned routes route the sample events: a delegate's legacy notification goes to its shadow topic, and
    // after the cutover (the routes file the demo deployed last) to its live topic.
    const routeWith = async (file: string) => {
      const routed = await runCli([
        'route',
        '--routes',
        path.join(dir, file),
        'events/sns/legacy-bounce-without-dsn.json',
      ]);
      expect(routed.code).toBe(0);
      return jsonLines(routed.stdout).map((r) => [r.route, r.topicArn, r.format]);
    };
    expect(await routeWith('plan/routes.json')).toEqual([
      ['delegate-123456789012-ses-feedback', 'arn:aws:sns:us-east-1:123456789012:ses-feedback-shadow', 'notification'],
    ]);
    expect(await routeWith('routes.json')).toEqual([
      ['delegate-123456789012-ses-feedback', 'arn:aws:sns:us-east-1:123456789012:ses-feedback', 'notification'],
    ]);
  }, 120_000);
});
