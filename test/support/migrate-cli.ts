/**
 * Runs the real `ses-bridge migrate` CLI as a child process acting as one account of the local test servers: the
 * account's key pair in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, every endpoint on 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { FakeSes } from '#test/support/fake-ses-server';
import { REPO_ROOT } from '#test/support/fixtures';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Commands that talk to AWS get no pacing and short backoffs: the local servers do not throttle unless told to. */
const AWS_COMMANDS = ['inventory', 'apply', 'verify', 'rollback'];

export function runMigrate(
  fake: FakeSes,
  account: string | null,
  args: string[],
  /** `env` adds or overrides variables; an empty value removes one (AWS_REGION: '' tests the profile's region). */
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  const argv = [...args, ...(AWS_COMMANDS.includes(args[0]!) ? ['--pace-ms', '0', '--retry-base-ms', '5'] : [])];
  const keys = account === null ? null : fake.credentials(account);
  const started = Date.now();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd,
    AWS_CONFIG_FILE: path.join(options.cwd, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(options.cwd, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SES: fake.endpoint(),
    AWS_ENDPOINT_URL_SESV2: fake.endpoint(),
    AWS_ENDPOINT_URL_STS: fake.endpoint(),
    ...(keys ? { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey } : {}),
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/ses-bridge.cjs'), 'migrate', ...argv],
      {
        cwd: options.cwd,
        timeout: 60_000,
        env,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 99) : 0,
          stdout,
          stderr,
          ms: Date.now() - started,
        }),
    );
  });
}
