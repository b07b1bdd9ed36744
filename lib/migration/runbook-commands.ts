/** The runbook's "Who runs what": the accounts, their steps, and the commands in order (the bridge path included). */
import { cleanupDependencyPhases } from '#lib/migration/plan-common';
import type { Plan, Role } from '#lib/migration/types';

export const ROLE_TEXT: Record<Role, string> = {
  owner: 'identity owner',
  delegate: 'delegate sender',
  bridge: 'bridge operator',
};

export function commands(plan: Plan): string[] {
  const accounts: Array<{ account: string; roles: Set<Role>; auto: number; manual: number; cleanup: number }> = [];
  for (const step of plan.steps) {
    let entry = accounts.find((a) => a.account === step.account);
    if (!entry) {
      entry = { account: step.account, roles: new Set(), auto: 0, manual: 0, cleanup: 0 };
      accounts.push(entry);
    }
    entry.roles.add(step.role);
    if (step.phase === 'cleanup') entry.cleanup++;
    else if (step.action.api === 'manual') entry.manual++;
    else entry.auto++;
  }
  const lines = [
    '## Who runs what',
    '',
    '| account | role | apply steps | manual steps | cleanup steps |',
    '|---|---|---|---|---|',
  ];
  for (const a of accounts)
    lines.push(
      `| ${a.account} | ${[...a.roles].map((r) => ROLE_TEXT[r]).join(', ')} | ${a.auto} | ${a.manual} | ${a.cleanup} |`,
    );
  lines.push('', 'Each account runs, with its own credentials, in the order of the steps below:', '', '```sh');
  lines.push('# 1. see what would change (dry run), then do it; the journal is what rollback undoes');
  lines.push('ses-bridge migrate apply  --plan plan.json --account-id <ACCOUNT>');
  lines.push(
    'ses-bridge migrate apply  --plan plan.json --account-id <ACCOUNT> --execute --journal journal-<ACCOUNT>.ndjson',
  );
  lines.push('# 2. read it back, and prove delivery on your own topics (temporary SQS queue, mailbox simulator)');
  lines.push(
    'ses-bridge migrate verify --plan plan.json --account-id <ACCOUNT> --send-test --canary --out verify-<ACCOUNT>.json',
  );
  const cutovers = plan.steps.filter((s) => s.phase === 'cutover');
  let n = 3;
  if (cutovers.length > 0) {
    const bridge = cutovers[0]!.account;
    const delegates = [...new Set(plan.identities.flatMap((i) => i.subscriptions.map((s) => s.delegateAccountId)))];
    lines.push(
      `# ${n++}. parity, in each delegate account: its shadow topic against its legacy topic (exit 0 only at full parity)`,
    );
    for (const d of delegates)
      lines.push(
        `ses-bridge migrate parity --plan plan.json --account-id ${d} --send --duration 300 --out parity-${d}.json`,
      );
    lines.push(
      `# ${n++}. cutover, by the bridge operator (${bridge}): the delegates' routes go live in the routes file; deploy it, then verify`,
      `ses-bridge migrate apply  --plan plan.json --account-id ${bridge} --phase cutover --routes routes.json ${delegates.map((d) => `--parity-report parity-${d}.json`).join(' ')} --execute --journal journal-${bridge}-cutover.ndjson`,
      `ses-bridge migrate verify --plan plan.json --account-id ${bridge} --phase prepare,switch,cutover --routes routes.json --out verify-${bridge}.json`,
    );
  }
  const cleaners = accounts.filter((a) => a.cleanup > 0).map((a) => a.account);
  if (cleaners.length > 0) {
    lines.push(`# ${n}. last, in each delegate account, once the verify reports it depends on passed`);
    for (const account of cleaners) {
      const verified = [...new Set([...cleanupDependencyPhases(plan, account).keys(), account])].map(
        (a) => `--verified verify-${a}.json`,
      );
      lines.push(
        `ses-bridge migrate apply  --plan plan.json --account-id ${account} --phase cleanup ${verified.join(' ')} --execute --journal journal-${account}-cleanup.ndjson`,
      );
    }
  }
  lines.push('```', '');
  lines.push(
    "Manual steps are printed by `apply` but done by a person; `verify` cannot read them back (topic policies live in SNS, code changes in the delegate's application).",
    '',
  );
  return lines;
}
