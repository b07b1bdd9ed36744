import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '#lib/errors';
import { TEST_CERT_URL } from '#lib/sns-https/test-certificate';
import { jsonLines, REPO_ROOT } from '#test/support/fixtures';
import { command } from '../../../bin/commands/sns-verify';

const CERT = `${TEST_CERT_URL}=test/fixtures/sns-https/sns-test.cert.pem`;
const FOREIGN = `${TEST_CERT_URL}=test/fixtures/sns-https/foreign.cert.pem`;
const SAMPLES = 'events/sns-https';

async function snsVerify(argv: string[], stdin = '') {
  let stdout = '';
  const code = await command.run(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: () => undefined,
    readInput: (file) => (file === '-' ? stdin : readFileSync(path.resolve(REPO_ROOT, file), 'utf8')),
    env: {},
  });
  return { code, lines: jsonLines(stdout) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ses-bridge sns-verify', () => {
  it('accepts every genuine sample with the test certificate supplied by file, and exits 0', async () => {
    const files = [
      'subscription-confirmation',
      'unsubscribe-confirmation',
      'notification-bounce',
      'notification-delivery-v1',
    ].map((n) => `${SAMPLES}/${n}.json`);
    const { code, lines } = await snsVerify(['--cert', CERT, ...files]);
    const topic = 'arn:aws:sns:us-east-1:888888888888:ses-feedback-intake';
    expect(lines).toEqual([
      { file: files[0], valid: true, reason: `SubscriptionConfirmation from ${topic} signed with SignatureVersion 2` },
      { file: files[1], valid: true, reason: `UnsubscribeConfirmation from ${topic} signed with SignatureVersion 2` },
      { file: files[2], valid: true, reason: `Notification from ${topic} signed with SignatureVersion 2` },
      { file: files[3], valid: true, reason: `Notification from ${topic} signed with SignatureVersion 1` },
    ]);
    expect(code).toBe(0);
  });

  it('reads a bare SNS body as well as a function URL event', async () => {
    const event = JSON.parse(readFileSync(path.join(REPO_ROOT, SAMPLES, 'notification-bounce.json'), 'utf8'));
    const { code, lines } = await snsVerify(['--cert', CERT, '-'], event.body);
    expect([code, lines[0].valid]).toEqual([0, true]);
  });

  it('reports a tampered message, and exits 1 when any file is invalid', async () => {
    const files = [`${SAMPLES}/notification-bounce.json`, `${SAMPLES}/forged-tampered-message.json`];
    const { code, lines } = await snsVerify(['--cert', CERT, ...files]);
    expect(lines[1]).toEqual({
      file: files[1],
      valid: false,
      reason: 'the SignatureVersion 2 signature does not match the message',
    });
    expect(code).toBe(1);
  });

  it('rejects a signature that the supplied certificate did not make', async () => {
    const { lines } = await snsVerify(['--cert', FOREIGN, `${SAMPLES}/notification-bounce.json`]);
    expect(lines[0].reason).toBe('the SignatureVersion 2 signature does not match the message');
  });

  it('never fetches a certificate unless told to', async () => {
    const { code, lines } = await snsVerify([`${SAMPLES}/notification-bounce.json`]);
    expect(lines[0]).toEqual({
      file: `${SAMPLES}/notification-bounce.json`,
      valid: false,
      reason: `no certificate supplied for ${TEST_CERT_URL} (pass --cert ${TEST_CERT_URL}=PEMFILE, or --fetch)`,
    });
    expect(code).toBe(1);
  });

  it('does not check the validity dates of a certificate supplied by file', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2150-01-01T00:00:00Z'));
    const { lines } = await snsVerify(['--cert', CERT, `${SAMPLES}/notification-bounce.json`]);
    expect(lines[0].valid).toBe(true);
  });

  it('checks the Timestamp window with --max-age', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T01:00:00.000Z'));
    const { code, lines } = await snsVerify([
      '--cert',
      CERT,
      '--max-age',
      '600',
      `${SAMPLES}/notification-bounce.json`,
    ]);
    expect(lines[0].reason).toBe('Timestamp 2026-01-01T00:00:00.000Z is 3600 s old, more than the 600 s allowed');
    expect(code).toBe(1);
  });

  it('says why a raw-delivery body cannot be verified', async () => {
    const { lines } = await snsVerify(['--cert', CERT, `${SAMPLES}/raw-delivery.json`]);
    expect(lines[0]).toEqual({ file: `${SAMPLES}/raw-delivery.json`, valid: false, reason: 'the body has no Type' });
  });

  it('reports an unreadable file on its own line', async () => {
    const { code, lines } = await snsVerify(['--cert', CERT, 'no/such/file.json']);
    expect(lines).toEqual([
      { file: 'no/such/file.json', valid: false, reason: 'cannot read no/such/file.json: no such file' },
    ]);
    expect(code).toBe(1);
  });

  it.each([
    [
      ['--cert', 'https://example.com/x.pem=a.pem', 'f'],
      '--cert https://example.com/x.pem: SigningCertURL host "example.com" is not an SNS host (sns.<region>.amazonaws.com)',
    ],
    [['--cert', 'nourl', 'f'], '--cert takes URL=PEMFILE, got "nourl"'],
    [['--cert', `${TEST_CERT_URL}=missing.pem`, 'f'], `--cert ${TEST_CERT_URL}: cannot read missing.pem: no such file`],
    [
      ['--cert', `${TEST_CERT_URL}=${SAMPLES}/notification-bounce.json`, 'f'],
      `--cert ${TEST_CERT_URL}: ${SAMPLES}/notification-bounce.json: ${TEST_CERT_URL} is not a PEM X.509 certificate`,
    ],
    [['--max-age', 'soon', 'f'], '--max-age takes a whole number of seconds of at least 1, got "soon"'],
    [[], 'give at least one FILE (or - for standard input)'],
  ])('refuses %j as a usage error', async (argv, message) => {
    await expect(snsVerify(argv)).rejects.toThrow(new UsageError(message));
  });
});
