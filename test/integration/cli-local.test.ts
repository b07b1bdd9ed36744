/**
 * The CLI as a new user runs it: from another directory, with a publishing endpoint that does not answer, and
 * against the local test servers `npm run local-aws` starts. Real processes, real HTTP.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#test/support/fixtures';

const BIN = path.join(REPO_ROOT, 'bin/ses-bridge.cjs');
const run = promisify(execFile);
const elsewhere = mkdtempSync(path.join(tmpdir(), 'cli-elsewhere-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  rmSync(elsewhere, { recursive: true, force: true });
});

const baseEnv = { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ses-bridge from another directory', () => {
  it('runs demo with the project defaults and writes its output where the user is', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'demo'], { cwd: elsewhere, env: baseEnv });
    expect(stdout.split('\n')[0]).toBe(
      `ses-notification-bridge demo: 32 event files, routes from ${path.join(REPO_ROOT, 'config/routes.example.json')}`,
    );
    expect(existsSync(path.join(elsewhere, '.demo/published.ndjson'))).toBe(true);
  });
});

describe('ses-bridge demo with an endpoint that does not answer', () => {
  it('stops at the first failed batch and says which error, from where, and what to try', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const failed = await run(process.execPath, [BIN, 'demo', '--out', path.join(elsewhere, 'x.ndjson')], {
      cwd: elsewhere,
      env: { ...baseEnv, AWS_ENDPOINT_URL_SNS: endpoint },
    }).then(
      () => undefined,
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    const lines = failed!.stderr.split('\n');
    expect(lines[0]).toBe(`ses-bridge demo: publishing failed: ECONNREFUSED from ${endpoint} (AWS_ENDPOINT_URL_SNS)`);
    expect(lines[1]).toMatch(/still failing after 2 attempts: ECONNREFUSED/);
    expect(lines[2]).toBe(
      "hint: nothing answers there: start the local test servers with 'npm run local-aws' and export what it prints, or unset AWS_ENDPOINT_URL_SNS for a dry run",
    );
    expect(failed!.stdout).toBe('');
  });
});

describe('npm run local-aws', () => {
  it('starts the local SNS, SQS and SES servers on their own and prints the environment that demo then publishes with', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/run-ts.cjs'), 'test/support/local-aws.ts'], {
      cwd: REPO_ROOT,
      env: baseEnv,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('then try:')) resolve();
      });
      child.on('exit', () => reject(new Error(`local-aws exited: ${out}`)));
    });
    const env = Object.fromEntries([...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(Object.keys(env)).toEqual([
      'AWS_ENDPOINT_URL_SNS',
      'AWS_ENDPOINT_URL_SQS',
      'AWS_ENDPOINT_URL_SES',
      'AWS_ENDPOINT_URL_SESV2',
      'AWS_ENDPOINT_URL_STS',
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'PARKING_TOPIC',
      'PARKED_QUEUE_URL',
      'INTAKE_QUEUE_URL',
      'INTAKE_DLQ_URL',
    ]);
    const { stdout } = await run(process.execPath, [BIN, 'demo'], { cwd: elsewhere, env: { ...baseEnv, ...env } });
    expect(stdout.split('\n')[1]).toBe('publishing: SNS');
    expect(stdout).toContain('publish failures (would be retried): 0');
    const redrive = await run(process.execPath, [BIN, 'redrive', '--queue', env.PARKED_QUEUE_URL!], {
      cwd: elsewhere,
      env: { ...baseEnv, ...env },
    });
    expect(redrive.stdout.split('\n')[0]).toBe('no parked records found');
    child.kill('SIGTERM');
  });
});
