/** Parity's pure parts: the field diff and its expected differences, reading copies, matching, the gate, the text. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutoverRefusals } from '#lib/migration/gates';
import { diffPayloads, EXPECTED_DIFFERENCES, flatten } from '#lib/migration/parity-diff';
import {
  destinationResult,
  matchCopies,
  type ParityCopy,
  readParityCopy,
  routeCovers,
} from '#lib/migration/parity-match';
import { type ParityReport, parseParityReport } from '#lib/migration/parity-report';
import { paritySummary } from '#lib/migration/parity-table';
import { buildPlan } from '#lib/migration/plan';
import { RoutesFile } from '#lib/migration/routes-file';
import type { Inventory } from '#lib/migration/types';
import { loadEvent, REPO_ROOT } from '#test/support/fixtures';

const none = { headersAddedByPlan: false };
const copy = (over: Partial<ParityCopy>): ParityCopy => ({
  feedbackKey: 'bounce|m1|f1',
  type: 'bounce',
  messageId: 'm1',
  sendingAccountId: '123456789012',
  sourceArn: 'arn:aws:ses:us-east-1:888888888888:identity/example.com',
  mailTimestamp: '2026-01-15T12:00:00.000Z',
  notification: { notificationType: 'Bounce', bounce: { bounceType: 'Permanent' } },
  ...over,
});

describe('the field diff', () => {
  it('finds nothing between the same payload with its keys in another order', () => {
    const legacy = loadEvent('raw/legacy-bounce-with-dsn.json');
    const reordered = Object.fromEntries(Object.entries(legacy).reverse());
    expect(diffPayloads(legacy, reordered, none)).toEqual([]);
  });

  it('names every changed, missing, added or retyped leaf, and fails each one', () => {
    const legacy = { a: { b: 1, c: [1, 2], d: 'x' }, e: [], f: null };
    const bridge = { a: { b: '1', c: [1], g: true }, e: {}, f: null };
    expect(diffPayloads(legacy, bridge, none)).toEqual([
      { path: 'a.b', legacy: 1, bridge: '1', expected: null },
      { path: 'a.c[1]', legacy: 2, expected: null },
      { path: 'a.d', legacy: 'x', expected: null },
      { path: 'a.g', bridge: true, expected: null },
      { path: 'e', legacy: [], bridge: {}, expected: null },
    ]);
  });

  it('sees a difference under a key named __proto__ (JSON.parse makes it an own key)', () => {
    const legacy = JSON.parse('{"mail":{"__proto__":{"x":1}}}');
    const bridge = JSON.parse('{"mail":{"__proto__":{"x":2}}}');
    expect(diffPayloads(legacy, bridge, none)).toEqual([
      { path: 'mail.__proto__.x', legacy: 1, bridge: 2, expected: null },
    ]);
  });

  it('accepts headers on the bridge side only when the plan turned them on for another consumer', () => {
    const legacy = { mail: { messageId: 'm' } };
    const bridge = { mail: { messageId: 'm', headersTruncated: false, headers: [{ name: 'To', value: 'x' }] } };
    expect(diffPayloads(legacy, bridge, { headersAddedByPlan: true }).map((d) => d.expected)).toEqual([
      'headers-added-by-plan',
      'headers-added-by-plan',
      'headers-added-by-plan',
    ]);
    expect(diffPayloads(legacy, bridge, none).map((d) => d.expected)).toEqual([null, null, null]);
    // Headers the legacy copy had and the bridge changed are never expected.
    expect(
      diffPayloads(
        { mail: { headers: [{ name: 'To', value: 'a' }] } },
        { mail: { headers: [{ name: 'To', value: 'b' }] } },
        {
          headersAddedByPlan: true,
        },
      ),
    ).toEqual([{ path: 'mail.headers[0].value', legacy: 'a', bridge: 'b', expected: null }]);
  });

  it('accepts headers dropped for size only when the bridge copy says headersTruncated', () => {
    const legacy = { mail: { headersTruncated: false, headers: [{ name: 'To', value: 'x' }] } };
    expect(diffPayloads(legacy, { mail: { headersTruncated: true } }, none).map((d) => [d.path, d.expected])).toEqual([
      ['mail.headersTruncated', 'headers-dropped-for-size'],
      ['mail.headers[0].name', 'headers-dropped-for-size'],
      ['mail.headers[0].value', 'headers-dropped-for-size'],
    ]);
    expect(diffPayloads(legacy, { mail: { headersTruncated: false } }, none).every((d) => d.expected === null)).toBe(
      true,
    );
  });

  it('flattens empty containers as leaves of their own', () => {
    expect([...flatten({ a: {}, b: [], c: [{}] }).entries()]).toEqual([
      ['a', {}],
      ['b', []],
      ['c[0]', {}],
    ]);
  });

  it('has every expected difference documented in docs/cutover.md', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/cutover.md'), 'utf8');
    for (const row of EXPECTED_DIFFERENCES) expect(doc).toContain(`| \`${row.id}\``);
  });
});

describe('reading copies', () => {
  it('reads a legacy notification in an SNS envelope and as a raw record, with one feedback key', () => {
    const record = loadEvent('raw/legacy-bounce-with-dsn.json');
    const raw = readParityCopy(JSON.stringify(record));
    const enveloped = readParityCopy(JSON.stringify({ Type: 'Notification', Message: JSON.stringify(record) }));
    expect(raw).toEqual(enveloped);
    expect(raw).toMatchObject({ type: 'bounce', messageId: record.mail.messageId, notification: record });
  });

  it("compares an event-publishing copy through the bridge's notification rendering", () => {
    const event = loadEvent('raw/event-bounce.json');
    const read = readParityCopy(JSON.stringify(event));
    if ('unreadable' in read) throw new Error(read.unreadable);
    expect(read.notification).toMatchObject({ notificationType: 'Bounce', bounce: event.bounce });
    expect((read.notification as Record<string, unknown>).eventType).toBeUndefined();
  });

  it('reports what is not SES feedback instead of dropping it', () => {
    expect(readParityCopy('{not json')).toEqual({ unreadable: expect.stringMatching(/^not JSON: /) });
    expect(readParityCopy('{"hello":"world"}')).toEqual({ unreadable: 'not an SES feedback record' });
    expect(readParityCopy(JSON.stringify({ Type: 'Notification', Message: '[1]' }))).toEqual({
      unreadable: 'not an SES feedback record',
    });
  });
});

describe('matching', () => {
  it('matches by feedback key and tells legacy only, bridge only, different and duplicates apart', () => {
    const events = matchCopies(
      [
        copy({}),
        copy({}),
        copy({ feedbackKey: 'bounce|m2|f2', messageId: 'm2' }),
        copy({ feedbackKey: 'bounce|m3|f3', messageId: 'm3' }),
      ],
      [
        copy({}),
        copy({ feedbackKey: 'bounce|m3|f3', messageId: 'm3', notification: { notificationType: 'Bounce' } }),
        copy({ feedbackKey: 'bounce|m4|f4', messageId: 'm4' }),
      ],
      () => none,
    );
    expect(events.map((e) => [e.messageId, e.status, e.legacyCopies, e.bridgeCopies])).toEqual([
      ['m1', 'matched', 2, 1],
      ['m2', 'legacy-only', 1, 0],
      ['m3', 'different', 1, 1],
      ['m4', 'bridge-only', 0, 1],
    ]);
    expect(events[2]!.differences).toEqual([{ path: 'bounce.bounceType', legacy: 'Permanent', expected: null }]);
  });

  it('passes a route only with feedback seen and every event matched', () => {
    const route = {
      name: 'r',
      when: { sendingAccountId: '123456789012', sourceArn: 'arn', types: ['bounce'] },
      to: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', format: 'notification' as const },
      mode: 'shadow' as const,
      shadowTopicArn: 'arn:aws:sns:us-east-1:123456789012:t-shadow',
    };
    expect(destinationResult(route, [], 3)).toMatchObject({ passed: false, counts: { matched: 0, ignored: 3 } });
    expect(
      destinationResult(
        route,
        matchCopies([copy({})], [copy({})], () => none),
        0,
      ).passed,
    ).toBe(true);
    expect(routeCovers(route, copy({ sourceArn: 'arn' }))).toBe(true);
    expect(routeCovers(route, copy({ sourceArn: 'arn', sendingAccountId: '999999999999' }))).toBe(false);
    expect(routeCovers(route, copy({ sourceArn: 'arn', type: 'delivery' }))).toBe(false);
    expect(routeCovers(route, copy({ sourceArn: null }))).toBe(false);
  });
});

describe('the parity report and the cutover gate', () => {
  const fixtures = path.join(REPO_ROOT, 'test/fixtures/migration');
  const inventory = (file: string): Inventory => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));
  const plan = buildPlan(
    [
      inventory('inventory-owner-111111111111.json'),
      inventory('inventory-delegate-222222222222.json'),
      inventory('inventory-delegate-333333333333.json'),
    ],
    { strategy: 'bridge', bridgeTopicArn: 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake' },
  );
  const routes = plan.routes!.routes.filter((r) => r.mode === 'shadow');
  const report = (over: Partial<ParityReport> = {}): ParityReport => ({
    v: 1,
    report: 'ses-bridge-parity',
    planId: plan.planId,
    accountId: '222222222222',
    checkedAt: new Date().toISOString(),
    durationMs: 1000,
    sent: [],
    interrupted: false,
    passed: true,
    destinations: routes.map((r) => ({
      route: r.name,
      topicArn: r.to.topicArn,
      shadowTopicArn: r.shadowTopicArn!,
      passed: true,
      counts: { matched: 1, different: 0, 'legacy-only': 0, 'bridge-only': 0, ignored: 0 },
      events: [],
    })),
    ...over,
  });

  it('opens the cutover with a passing, fresh report of this plan naming every route', () => {
    // One report per delegate, each made in the account that owns the topics.
    const byAccount = (accountId: string) => {
      const r = report({ accountId });
      return { ...r, destinations: r.destinations.filter((d) => d.topicArn.split(':')[4] === accountId) };
    };
    expect(cutoverRefusals(plan, '444444444444', [byAccount('222222222222'), byAccount('333333333333')])).toEqual([]);
    // A report that names a route of another account's topic does not prove it.
    expect(cutoverRefusals(plan, '444444444444', [report()])).toHaveLength(2);
  });

  it('refuses a report of another plan, a stale or interrupted one, and a route without a passing parity', () => {
    const now = new Date('2026-01-15T12:00:00.000Z');
    expect(cutoverRefusals(plan, '444444444444', [report({ planId: 'other' })])[0]).toBe(
      `the parity report of 222222222222 is for plan other, not ${plan.planId}`,
    );
    expect(cutoverRefusals(plan, '444444444444', [report({ checkedAt: '2026-01-14T11:00:00.000Z' })], now)[0]).toBe(
      'the parity report of 222222222222 was made at 2026-01-14T11:00:00.000Z, more than a day ago: run parity again',
    );
    expect(cutoverRefusals(plan, '444444444444', [report({ interrupted: true })])).toHaveLength(3);
    const failing = report({ accountId: '333333333333' });
    failing.destinations[1]!.passed = false;
    expect(cutoverRefusals(plan, '444444444444', [report(), failing])).toEqual([
      `no passing parity report for route delegate-333333333333-beta-bounces (arn:aws:sns:us-east-1:333333333333:beta-bounces): run "ses-bridge migrate parity --plan plan.json --account-id 333333333333 --send --out parity-333333333333.json" with 333333333333's credentials and pass the file with --parity-report`,
    ]);
    // Only the cutover steps of the account that runs them count.
    expect(cutoverRefusals(plan, '111111111111', [])).toEqual([]);
  });

  it('reads back only what parity wrote', () => {
    expect(parseParityReport(JSON.parse(JSON.stringify(report())), 'p.json')).toMatchObject({ passed: true });
    expect(() => parseParityReport({ v: 1, planId: 'x', passed: true }, 'verify.json')).toThrow(
      'verify.json: is not a parity report (ses-bridge migrate parity --out FILE writes one)',
    );
  });

  it('sums a report up in one line', () => {
    expect(paritySummary(report())).toBe(
      'parity: PASSED: 3 feedback events matched on 3 routes, no unexpected difference',
    );
    const lost = report({ passed: false });
    lost.destinations[0]!.counts['legacy-only'] = 2;
    lost.destinations[0]!.passed = false;
    expect(paritySummary(lost)).toBe(
      'parity: FAILED: 2 legacy only (lost by the bridge); 0 bridge only; 0 with unexpected differences; 3 matched on 3 routes',
    );
    expect(paritySummary(report({ passed: false, destinations: [], interrupted: true }))).toBe(
      'parity: FAILED: 0 legacy only (lost by the bridge); 0 bridge only; 0 with unexpected differences; interrupted; no shadow route of this account in the plan; 0 matched on 0 routes',
    );
  });
});

describe('the routes file of the cutover', () => {
  it('reads and sets a route mode, keeps the rest of the file, and refuses what it cannot do', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-routes-'));
    try {
      const file = path.join(dir, 'routes.json');
      const doc = {
        routes: [
          {
            name: 'a',
            when: {},
            to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:t', format: 'notification' },
            mode: 'shadow',
            shadowTopicArn: 'arn:aws:sns:us-east-1:111122223333:t-shadow',
          },
          { name: 'b', when: {}, to: { topicArn: 'arn:aws:sns:us-east-1:222233334444:u', format: 'notification' } },
        ],
        unmatched: { action: 'drop' },
      };
      writeFileSync(file, JSON.stringify(doc));
      const routes = new RoutesFile(file);
      expect([routes.mode('a'), routes.mode('b'), routes.mode('c')]).toEqual(['shadow', 'live', null]);
      routes.setMode('a', 'live');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
        ...doc,
        routes: [{ ...doc.routes[0], mode: 'live' }, doc.routes[1]],
      });
      expect(() => routes.setMode('c', 'live')).toThrow(
        `${file}: has no route named "c": merge the plan's routes.json into it first`,
      );
      expect(() => routes.setMode('b', 'shadow')).toThrow(
        `${file}: route "b" has no shadowTopicArn: it cannot go back to shadow mode`,
      );
      writeFileSync(file, '[]');
      expect(() => routes.mode('a')).toThrow(`${file}: must be a JSON object with "routes", got an array`);
      // A file the bridge's own validator refuses is refused here too, and never written.
      const refused = JSON.stringify({ routes: [{ ...doc.routes[0], shadowTopicArn: undefined }] });
      writeFileSync(file, refused);
      expect(() => routes.setMode('a', 'live')).toThrow(
        `${file}: routes[0].shadowTopicArn is required with mode "shadow": the topic that receives the shadow deliveries`,
      );
      expect(readFileSync(file, 'utf8')).toBe(refused);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
