import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BridgeError,
  ConfigError,
  ErrorCode,
  FieldError,
  InvalidRecordError,
  ProblemCode,
  UnsupportedEventError,
  UsageError,
} from '#lib/errors';
import { MigrationRefusal } from '#lib/migration/errors';
import { PoisonCode } from '#lib/pipeline';
import { PublishCode } from '#lib/publish/index';
import { parseRoutesConfig } from '#lib/routing/config';
import { RetryLaterError } from '#lib/runtime';
import { CertFetchError } from '#lib/sns-https/certs';
import { RejectCode } from '#lib/sns-https/decide';
import { MalformedMessageError } from '#lib/sns-https/message';
import { REPO_ROOT } from '#test/support/fixtures';

const codes = Object.values(ErrorCode);

describe('the error codes', () => {
  it('defines every code once', () => {
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each([
    ['ProblemCode', ProblemCode],
    ['PoisonCode', PoisonCode],
    ['PublishCode', PublishCode],
    ['RejectCode', RejectCode],
  ])('takes the codes of %s from ErrorCode', (_, subset) => {
    for (const [name, code] of Object.entries(subset)) expect(ErrorCode).toHaveProperty(name, code);
  });

  it('lists every code in docs/errors.md, and no code that does not exist', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs/errors.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `([a-z_]+)`/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...codes].sort());
  });
});

describe('the error classes', () => {
  it.each([
    [new InvalidRecordError(ProblemCode.notSes, 'not SES', 'mail'), 'InvalidRecordError', 'not_ses'],
    [new ConfigError('is wrong', 'routes.json'), 'ConfigError', 'invalid_config'],
    [new FieldError('routes[0].name', 'is wrong'), 'FieldError', 'invalid_field'],
    [new UnsupportedEventError('not an SQS event'), 'UnsupportedEventError', 'unsupported_event'],
    [new UsageError('no such flag'), 'UsageError', 'usage_error'],
    [new RetryLaterError('retry'), 'RetryLaterError', 'retry_later'],
    [new MigrationRefusal(['unsafe']), 'MigrationRefusal', 'migration_refused'],
    [new CertFetchError('down', true), 'CertFetchError', 'cert_unavailable'],
    [new MalformedMessageError('twice', 'duplicate_key'), 'MalformedMessageError', 'duplicate_key'],
  ])('%s is a BridgeError with its name and code', (error, name, code) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });

  it('names the file and the field when a bad field is reported, keeping the field error as the cause', () => {
    const field = new FieldError('routes[0].name', 'must match [A-Za-z0-9_-]{1,64}');
    const error = field.inFile('routes.json');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('routes.json: routes[0].name must match [A-Za-z0-9_-]{1,64}');
    expect(error.cause).toBe(field);
  });

  it('reports a bad routes file as a ConfigError caused by the field error', () => {
    let thrown: unknown;
    try {
      parseRoutesConfig({ routes: [{ name: 'a b' }], unmatched: { action: 'drop' } }, 'routes.json');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).path).toBe('routes.json');
    expect((thrown as ConfigError).cause).toBeInstanceOf(FieldError);
  });
});
