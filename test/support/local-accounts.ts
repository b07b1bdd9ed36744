/**
 * Accounts of the local test servers, told apart by the access key id the SDK signs with (SigV4 `Credential=`), as
 * AWS does: each account gets its own key pair, and a server resolves the caller's account from the key. STS
 * `GetCallerIdentity` is answered here too (awsQuery, 2011-06-15), with the errors STS gives for an unknown key.
 */
import { randomUUID } from 'node:crypto';

export interface SigV4Scope {
  accessKeyId: string;
  region: string;
  service: string;
}

/** The credential scope of a SigV4 `Authorization` header: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function sigV4Scope(authorization: string | undefined): SigV4Scope | null {
  const m = /Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(authorization ?? '');
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : null;
}

const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The key pairs of the accounts a local server knows. */
export class LocalAccounts {
  private readonly byKey = new Map<string, string>();

  constructor(accounts: string[] = []) {
    for (const account of accounts) this.add(account);
  }

  /** Registers an account; its access key id is `AKIALOCL<account>`. */
  add(account: string): void {
    if (!/^\d{12}$/.test(account)) throw new Error(`local accounts: not a 12-digit account id: ${account}`);
    this.byKey.set(`AKIALOCL${account}`, account);
  }

  /** The key pair that acts as `account` (put it in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
  credentials(account: string): { accessKeyId: string; secretAccessKey: string } {
    const accessKeyId = `AKIALOCL${account}`;
    if (!this.byKey.has(accessKeyId)) throw new Error(`local accounts: unknown account ${account}`);
    return { accessKeyId, secretAccessKey: `local-secret-${account}` };
  }

  /** The account of an access key id, or null for a key no account has. */
  accountOf(accessKeyId: string): string | null {
    return this.byKey.get(accessKeyId) ?? null;
  }

  /**
   * STS (awsQuery) for the caller's key: `GetCallerIdentity`, or STS's own errors: `InvalidClientTokenId` (403) for
   * an unknown key, `InvalidAction` for other actions.
   */
  sts(form: URLSearchParams, accessKeyId: string): { status: number; body: string } {
    const action = form.get('Action') ?? '';
    const account = this.accountOf(accessKeyId);
    const error = (status: number, code: string, message: string) => ({
      status,
      body: `<ErrorResponse xmlns="${STS_XMLNS}">\n  <Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
    });
    if (account === null)
      return error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (action !== 'GetCallerIdentity')
      return error(400, 'InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
    return {
      status: 200,
      body: `<GetCallerIdentityResponse xmlns="${STS_XMLNS}">\n  <GetCallerIdentityResult>\n    <Arn>arn:aws:iam::${account}:user/local-test</Arn>\n    <UserId>${accessKeyId}</UserId>\n    <Account>${account}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>\n</GetCallerIdentityResponse>\n`,
    };
  }
}
