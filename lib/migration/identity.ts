/**
 * Whose credentials are in use. Every migration command that reads or writes AWS asks STS `GetCallerIdentity` first
 * and refuses to run when that account differs from the account it was told (`--account-id`), from the account of
 * the steps it would run, or from the account of the journal it would undo: SES acts on the caller's own identities,
 * so a wrong `--account-id` would otherwise change another account's settings than the one the operator meant.
 */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { MigrationRefusal } from '#lib/migration/errors';

/** Resolves the caller's 12-digit account id (STS GetCallerIdentity; needs no IAM permission). */
export type CallerAccount = () => Promise<string>;

/** The caller's account through an STS client. */
export function stsCallerAccount(client: STSClient): CallerAccount {
  return async () => {
    const out = await client.send(new GetCallerIdentityCommand({}));
    if (!out.Account || !/^\d{12}$/.test(out.Account))
      throw new Error(`STS GetCallerIdentity answered no account id (${JSON.stringify(out.Account ?? null)})`);
    return out.Account;
  };
}

/** An account the command was told about, and where it was told: `--account-id`, `the journal's header`... */
export interface AccountClaim {
  account: string;
  source: string;
}

/**
 * Resolves the caller's account and throws a one-reason MigrationRefusal (one line, exit 1) when a claim names
 * another account. Returns the caller's account.
 */
export async function requireCaller(caller: CallerAccount, claims: AccountClaim[]): Promise<string> {
  const account = await caller();
  const wrong = claims.find((c) => c.account !== account);
  if (wrong)
    throw new MigrationRefusal([
      `the credentials in use are of account ${account}, but ${wrong.source} is ${wrong.account}: nothing was read or changed`,
    ]);
  return account;
}

/**
 * A connection the endpoint refused (nothing listens there): one line naming the endpoint, instead of retrying.
 * Null for any other error.
 */
export function connectionRefused(err: unknown): string | null {
  const e = err as { code?: string; address?: string; port?: number; errors?: unknown[] } | null;
  if (typeof e !== 'object' || e === null) return null;
  if (e.code === 'ECONNREFUSED') {
    const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : 'the endpoint';
    return `cannot connect to ${where}: connection refused (is the endpoint right? AWS_ENDPOINT_URL_* and the region decide it)`;
  }
  // Node's happy-eyeballs connect reports several addresses in an AggregateError.
  if (Array.isArray(e.errors))
    for (const inner of e.errors) if (connectionRefused(inner)) return connectionRefused(inner);
  return null;
}

/** The region of the SDK's own chain (AWS_REGION, then the profile's `region`), or null when it names none. */
export async function sdkRegion(): Promise<string | null> {
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient({});
  try {
    return await client.config.region();
  } catch {
    return null;
  } finally {
    client.destroy();
  }
}
