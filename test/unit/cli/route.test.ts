import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '#test/support/fixtures';

const ROUTES = 'config/routes.example.json';

function routesFile(doc: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'routes-')), 'routes.json');
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('ses-bridge route', () => {
  it('prints one line per delivery and one per unmatched record', async () => {
    const { code, stdout, stderr } = await runCli([
      'route',
      '--routes',
      ROUTES,
      'events/sqs/multi-delegate-batch.json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(jsonLines(stdout).map(({ type, route, format, action }) => [type, route, format ?? action])).toEqual([
      ['bounce', 'acme-esp', 'notification'],
      ['complaint', 'acme-esp', 'notification'],
      ['delivery', 'acme-esp', 'notification'],
      ['bounce', 'billing-team', 'event'],
      ['delivery', 'billing-team', 'event'],
      ['delivery_delay', 'billing-team', 'event'],
      ['bounce', 'owner-bounces', 'original'],
      ['delivery', null, 'drop'],
    ]);
    expect(jsonLines(stdout)[7]).toEqual({
      messageId: expect.any(String),
      type: 'delivery',
      route: null,
      action: 'drop',
    });
  });

  it('adds the exact message and attributes with --emit', async () => {
    const { stdout } = await runCli(['route', '--routes', ROUTES, '--emit', 'events/sns/multi-delegate-bounce.json']);
    const [line] = jsonLines(stdout);
    expect(JSON.parse(line.message)).toMatchObject({
      notificationType: 'Bounce',
      mail: { sendingAccountId: '111122223333' },
    });
    expect(line.attributes.type).toEqual({ DataType: 'String', StringValue: 'bounce' });
  });

  it('marks deliveries whose format cannot carry the type as skipped', async () => {
    const { stdout } = await runCli(['route', '--routes', ROUTES, 'events/raw/event-open.json']);
    expect(jsonLines(stdout)).toEqual([
      {
        messageId: expect.any(String),
        type: 'open',
        route: 'aws-doc-sender',
        topicArn: 'arn:aws:sns:us-east-1:123456789012:legacy-feedback',
        format: 'notification',
        action: 'skip',
        reason: 'format_unsupported',
      },
    ]);
  });

  it('reports unmatched records on stderr and exits 1 when unmatched.action is fail', async () => {
    const file = routesFile({
      routes: [
        {
          name: 'acme',
          when: { sendingAccountId: '111122223333' },
          to: { topicArn: 'arn:aws:sns:us-east-1:111122223333:acme' },
        },
      ],
      unmatched: { action: 'fail' },
    });
    const { code, stdout, stderr } = await runCli(['route', '--routes', file, 'events/sns/event-bounce.json']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(jsonLines(stderr)).toEqual([
      {
        level: 'error',
        code: 'unmatched',
        message: 'no route matches this record and unmatched.action is "fail"',
        file: 'events/sns/event-bounce.json',
        index: 0,
        path: 'Records[0].Sns.Message',
        messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        route: null,
      },
    ]);
  });

  it('refuses an invalid routes file with the field to fix, and a missing --routes, with exit 2', async () => {
    const file = routesFile({ routes: [{ name: 'x', to: { topicArn: 'nope' } }] });
    const bad = await runCli(['route', '--routes', file, 'events/raw/event-open.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`ses-bridge route: ${file}: routes[0].to.topicArn is not an SNS topic ARN: "nope"\n`);
    const missing = await runCli(['route', 'events/raw/event-open.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("ses-bridge route: --routes FILE is required\nsee 'ses-bridge route --help'\n");
  });
});
