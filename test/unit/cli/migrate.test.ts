import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '#lib/errors';
import { REPO_ROOT } from '#test/support/fixtures';
import type { Io } from '../../../bin/cli';
import { command } from '../../../bin/commands/migrate';

const dir = mkdtempSync(path.join(tmpdir(), 'ses-bridge-migrate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) => path.join(REPO_ROOT, 'test/fixtures/migration', name);
const INVENTORIES = [
  '--inventory',
  fixture('inventory-owner-111111111111.json'),
  '--inventory',
  fixture('inventory-delegate-222222222222.json'),
  '--inventory',
  fixture('inventory-delegate-333333333333.json'),
];

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readInput: (f) => readFileSync(f, 'utf8'),
    env: {},
  };
  const code = await command.run(argv, io);
  return { code, stdout, stderr };
}

describe('ses-bridge migrate (in process)', () => {
  it('shows the help of one command', async () => {
    const { code, stdout } = await run(['help', 'plan']);
    expect(code).toBe(0);
    expect(stdout).toContain('plan --inventory FILE [--inventory FILE ...] --strategy config-set|owner-topic|bridge');
    expect(stdout).not.toContain('rollback --journal');
    expect((await run(['apply', '--help'])).stdout).toContain('apply --plan FILE --account-id ID');
  });

  it('writes plan.json, runbook.md and routes.json and prints a summary', async () => {
    const out = path.join(dir, 'bridge');
    const { code, stdout, stderr } = await run([
      'plan',
      ...INVENTORIES,
      '--strategy',
      'bridge',
      '--bridge-topic',
      'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      strategy: 'bridge',
      identities: 1,
      steps: 20,
      files: [path.join(out, 'plan.json'), path.join(out, 'runbook.md'), path.join(out, 'routes.json')],
    });
    expect(stderr).toContain(
      'warning: example.com: Bounce notifications will include the original headers for every consumer, because one of them had them',
    );
    expect(readFileSync(path.join(out, 'runbook.md'), 'utf8')).toContain(
      '# Migration runbook: off legacy cross-account notifications',
    );
  });

  it('explains parity and the cutover options, and refuses a cutover without the routes file', async () => {
    const help = (await run(['help', 'parity'])).stdout;
    expect(help).toContain(
      'parity --plan FILE --account-id ID [--duration S] [--send] [--settle S] [--out FILE] [--html FILE]',
    );
    expect(help).toContain('Exit 0 only at full parity');
    expect((await run(['help', 'apply'])).stdout).toContain('[--routes FILE] [--parity-report FILE ...]');
    const plan = path.join(dir, 'bridge', 'plan.json');
    await expect(run(['apply', '--plan', plan, '--account-id', '444444444444', '--phase', 'cutover'])).rejects.toThrow(
      new UsageError(
        "--phase cutover needs --routes FILE: the bridge's routes file, in which the cutover sets each route's mode",
      ),
    );
    await expect(
      run(['apply', '--plan', plan, '--account-id', '444444444444', '--phase', 'switch,cutover']),
    ).rejects.toThrow('--phase cutover runs alone, after parity passed for the routes it turns live');
    await expect(run(['parity', '--plan', plan, '--account-id', '222222222222', '--duration', '0'])).rejects.toThrow(
      '--duration must be a whole number of seconds, got "0"',
    );
  });

  it('exits 1 with the reasons when the strategy is refused', async () => {
    const { code, stderr } = await run([
      'plan',
      ...INVENTORIES,
      '--strategy',
      'owner-topic',
      '--out',
      path.join(dir, 'refused'),
    ]);
    expect(code).toBe(1);
    expect(stderr.split('\n')[0]).toBe('ses-bridge migrate plan: refused:');
    expect(stderr).toContain(
      '  - example.com: 2 delegates use it (222222222222, 333333333333); with owner-topic their feedback would all land on one topic',
    );
  });

  it('exits 2 naming the file and field of a bad inventory', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        accountId: '222222222222',
        region: 'us-east-1',
        generatedAt: '2026-01-15T12:00:00.000Z',
        identities: [{ identity: 'x' }],
      }),
    );
    const { code, stderr } = await run(['plan', '--inventory', bad, '--strategy', 'config-set']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `ses-bridge migrate plan: ${bad}: identities[0].identityArn must be an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<name>), got nothing\n`,
    );
  });

  it('refuses a plan edited after it was written', async () => {
    const out = path.join(dir, 'edited');
    await run(['plan', ...INVENTORIES, '--strategy', 'config-set', '--out', out]);
    const file = path.join(out, 'plan.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('legacy-acme-feedback', 'renamed'));
    const { code, stderr } = await run(['apply', '--plan', file, '--account-id', '222222222222']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'digest does not match the plan\'s content: plan.json was edited after "ses-bridge migrate plan" wrote it; run plan again instead of editing',
    );
  });

  it.each([
    [[], 'which step? inventory, plan, apply, verify, parity or rollback'],
    [['migrate'], 'unknown migrate command "migrate": expected inventory, plan, apply, verify, parity, rollback'],
    [
      ['plan', ...INVENTORIES, '--strategy', 'bridge'],
      '--strategy bridge needs --bridge-topic ARN, the bridge intake topic',
    ],
    [['plan', ...INVENTORIES, '--strategy', 'sideways'], '--strategy must be one of config-set, owner-topic, bridge'],
    [
      ['plan', ...INVENTORIES, '--strategy', 'config-set', '--format', 'event'],
      '--bridge-topic, --bridge-principal and --format apply to --strategy bridge only',
    ],
    [
      ['apply', '--plan', 'plan.json'],
      '--account-id is required: the 12-digit id of the account whose credentials you use (aws sts get-caller-identity --query Account --output text)',
    ],
    [
      ['apply', '--plan', 'plan.json', '--account-id', '1234'],
      '--account-id must be a 12-digit account id, got "1234"',
    ],
    [
      ['apply', '--plan', 'plan.json', '--account-id', '222222222222', '--phase', 'switch,cleanup'],
      '--phase cleanup runs alone, after verify passed for the other phases',
    ],
    [['inventory', '--region', 'us-east-1'], 'give --identities LIST (names or identity ARNs) or --all'],
    [['inventory', '--all'], '--region is required (or set AWS_REGION, or a region in your AWS profile)'],
    [['rollback'], '--journal FILE is required (the file apply --execute wrote)'],
    [
      ['verify', '--plan', 'no/such/plan.json', '--account-id', '222222222222'],
      'cannot read plan no/such/plan.json: no such file',
    ],
    [
      ['apply', '--plan', 'p.json', '--account-id', '222222222222', '--pace-ms', 'fast'],
      '--pace-ms must be a whole number of milliseconds, got "fast"',
    ],
  ])('is a usage error (exit 2): %j', async (argv, message) => {
    await expect(run(argv)).rejects.toThrow(new UsageError(message));
  });

  it("keeps the file system's error as the cause of a file it cannot read", async () => {
    const err = await run(['verify', '--plan', 'no/such/plan.json', '--account-id', '222222222222']).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).cause).toMatchObject({ code: 'ENOENT' });
  });
});
