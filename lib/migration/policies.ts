/**
 * Who a sending authorization policy lets send: the delegates an owner must migrate. Policy anatomy (policy-anatomy,
 * sending-authorization-policy-examples): statements with `Effect`, `Principal` ({"AWS": account | IAM ARN | list},
 * {"Service": ...} or "*"), `Action` (ses:Send*) and `Resource` (the identity ARN).
 */
import { isObject } from '#lib/json';
import { parseIdentityArn, principalAccount } from '#lib/migration/arn';

export interface PolicyPrincipals {
  /** Accounts allowed to send (IAM user/role ARNs are reduced to their account), sorted. */
  accounts: string[];
  /** Identity ARNs named in `Resource`: they carry the owner's account id, which cross-checks `--account-id`. */
  resources: string[];
  /** What could not be reduced to an account: `"*"` principals, service principals, unreadable policies. */
  notes: string[];
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function allowsSending(actions: unknown[]): boolean {
  // ses:Send* covers every send action; "*" and "ses:*" too. Actions are case-insensitive in IAM.
  return actions.some((a) => typeof a === 'string' && /^(\*|ses:\*|ses:send.*)$/i.test(a));
}

/**
 * The principals that `Allow` statements of the identity's policies authorize to send. `policies` is what SESv2
 * `GetEmailIdentityPolicies` returns: policy name to policy JSON text.
 */
export function policyPrincipals(policies: Record<string, string>): PolicyPrincipals {
  const accounts = new Set<string>();
  const resources = new Set<string>();
  const notes: string[] = [];
  for (const [name, text] of Object.entries(policies).sort(([a], [b]) => a.localeCompare(b))) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      notes.push(`policy "${name}" is not valid JSON; its principals are unknown`);
      continue;
    }
    const statements = isObject(doc) ? list(doc.Statement) : [];
    for (const statement of statements) {
      if (!isObject(statement) || statement.Effect !== 'Allow' || !allowsSending(list(statement.Action))) continue;
      for (const resource of list(statement.Resource)) {
        if (typeof resource === 'string' && parseIdentityArn(resource)) resources.add(resource);
      }
      const principal = statement.Principal;
      if (principal === '*') {
        notes.push(
          `policy "${name}" allows principal "*" (for example with aws:PrincipalOrgID); list those delegates' accounts yourself`,
        );
        continue;
      }
      if (!isObject(principal)) continue;
      for (const p of list(principal.AWS)) {
        const account = typeof p === 'string' ? principalAccount(p) : null;
        if (account) accounts.add(account);
        else if (p === '*')
          notes.push(`policy "${name}" allows principal {"AWS": "*"}; list those delegates' accounts yourself`);
        else notes.push(`policy "${name}" names principal ${JSON.stringify(p)}, which is not an account or IAM ARN`);
      }
      for (const service of list(principal.Service)) {
        notes.push(
          `policy "${name}" authorizes the service ${JSON.stringify(service)}; services have no cross-account notifications to migrate`,
        );
      }
    }
  }
  return { accounts: [...accounts].sort(), resources: [...resources].sort(), notes };
}
