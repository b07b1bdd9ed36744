/**
 * SNS subscription filter policies on message attributes, the subset docs/delegates.md uses: exact strings,
 * `anything-but`, `prefix`, `exists`, and `$or`. Keys of one policy must all match; the values of one key are
 * alternatives; a policy key whose attribute is absent does not match (except `exists: false`). (SNS developer
 * guide, "Amazon SNS message filtering": filter policy constraints and operators.)
 */
type Condition = string | { 'anything-but'?: string | string[]; prefix?: string; exists?: boolean };
export type FilterPolicy = { [key: string]: Condition[] | FilterPolicy[] };

function conditionMatches(condition: Condition, value: string | undefined): boolean {
  if (typeof condition === 'string') return value === condition;
  if (condition.exists !== undefined) return condition.exists === (value !== undefined);
  if (value === undefined) return false;
  if (condition.prefix !== undefined) return value.startsWith(condition.prefix);
  if (condition['anything-but'] !== undefined) {
    const excluded = ([] as string[]).concat(condition['anything-but']);
    return !excluded.includes(value);
  }
  throw new Error(`unsupported filter condition ${JSON.stringify(condition)}`);
}

export function policyMatches(policy: FilterPolicy, attributes: Record<string, string>): boolean {
  return Object.entries(policy).every(([key, conditions]) => {
    if (key === '$or') return (conditions as FilterPolicy[]).some((p) => policyMatches(p, attributes));
    return (conditions as Condition[]).some((c) => conditionMatches(c, attributes[key]));
  });
}
