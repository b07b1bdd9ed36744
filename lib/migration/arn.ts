/**
 * ARNs and names the migration reads and builds. Formats: IAM user guide "Amazon Resource Names"
 * (arn:partition:service:region:account-id:resource); SES identity ARNs are `arn:aws:ses:<region>:<account>:identity/<name>`
 * (sending-authorization-overview), configuration-set ARNs `...:configuration-set/<name>`
 * (event-publishing-add-event-destination-sns).
 */
import { createHash } from 'node:crypto';

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const IDENTITY_ARN = /^arn:(aws(?:-[a-z]+)*):ses:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):identity\/(.+)$/;
// Configuration set and event destination names: up to 64 of [A-Za-z0-9_-] (SES quotas page).
const SES_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface IdentityArn {
  partition: string;
  region: string;
  accountId: string;
  identity: string;
}

/** True for a 12-digit AWS account id. */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/** True for a region name such as `us-east-1`. */
export function isRegion(value: unknown): value is string {
  return typeof value === 'string' && REGION.test(value);
}

/** The parts of an SES identity ARN, or null when the text is not one. */
export function parseIdentityArn(value: string): IdentityArn | null {
  const m = IDENTITY_ARN.exec(value);
  return m ? { partition: m[1]!, region: m[2]!, accountId: m[3]!, identity: m[4]! } : null;
}

/** `arn:aws:ses:<region>:<account>:identity/<identity>`. */
export function identityArn(region: string, accountId: string, identity: string, partition = 'aws'): string {
  return `arn:${partition}:ses:${region}:${accountId}:identity/${identity}`;
}

/** `arn:aws:ses:<region>:<account>:configuration-set/<name>`: the `AWS:SourceArn` SES publishes a configuration set's events with. */
export function configurationSetArn(region: string, accountId: string, name: string, partition = 'aws'): string {
  return `arn:${partition}:ses:${region}:${accountId}:configuration-set/${name}`;
}

/** True for a valid configuration set or event destination name. */
export function isSesName(value: string): boolean {
  return SES_NAME.test(value);
}

/**
 * A valid SES resource name (`[A-Za-z0-9_-]`, at most 64) built from parts: other characters become `_`, and a name
 * that would be too long is cut and given a digest of the whole, so two different inputs never share a name.
 */
export function sesName(...parts: string[]): string {
  const joined = parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, '_')).join('-');
  if (joined.length <= 64) return joined;
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 8);
  return `${joined.slice(0, 55)}-${digest}`;
}

/** The 12-digit account of an IAM principal (`111122223333`, `arn:aws:iam::111122223333:root`, `...:user/x`), else null. */
export function principalAccount(principal: string): string | null {
  if (ACCOUNT_ID.test(principal)) return principal;
  const m = /^arn:aws(?:-[a-z]+)*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m ? m[1]! : null;
}

/** True when the identity is an email address rather than a domain. */
export function isEmailIdentity(identity: string): boolean {
  return identity.includes('@');
}
