/** The help texts of `ses-bridge migrate`: the whole usage, and one sub-command's section of it. */
import { DEFAULT_RETRY } from '#lib/migration/index';

export const usage = `Usage: ses-bridge migrate <inventory|plan|apply|verify|parity|rollback|demo> [options]

Moves delegate senders off legacy SES cross-account notifications, which SES no longer lets anyone create, to a
configuration set, an owner-set topic, or the bridge. Step by step: docs/migration-runbook.md.

  inventory [--identities LIST | --all] [--region R] [--account-id ID] [--out FILE]
      Reads what this account sees: for its own identities (names, or --all) the topics per type, headers flags,
      forwarding, default configuration set and the delegates its sending authorization policies name; for other
      accounts' identity ARNs (a delegate) its legacy cross-account topics on them. LIST: names or ARNs, comma
      separated, --identities repeatable. Writes JSON to FILE (default stdout).
      --account-id: optional; when given it must be the account of the credentials (STS GetCallerIdentity).
  plan --inventory FILE [--inventory FILE ...] --strategy config-set|owner-topic|bridge [--out DIR]
       [--bridge-topic ARN] [--bridge-principal ARN] [--format original|notification|event|normalized]
       [--config-set-name NAME]
      Merges the owner's and the delegates' inventories; writes DIR/plan.json, DIR/runbook.md and, for bridge,
      DIR/routes.json (DIR default: migration-plan). --bridge-topic (bridge): the bridge intake topic.
      --format (bridge): payload of the delegates' routes, default notification. --bridge-principal (bridge): who
      publishes to delegates' topics, default the bridge account root. --config-set-name (config-set): default
      legacy-feedback. Refuses (exit 1) owner-topic for an identity used by more than one delegate.
  apply --plan FILE --account-id ID [--phase LIST] [--verified FILE ...] [--execute] [--journal FILE]
        [--force STEP ...] [--routes FILE] [--parity-report FILE ...]
      Runs the plan's steps of account ID (the account of the credentials in use). Dry run unless --execute.
      Idempotent: reads live state first and changes only what differs; journals every change to FILE (default
      journal-<ID>.ndjson, header line first: plan id, digest, account). Compare-and-set: a live value that is
      neither what the inventory saw nor the target is a conflict (not applied, exit 1); --force STEP applies it.
      --phase: prepare,switch (default), cutover or cleanup. cutover (bridge, the bridge operator's account) turns
      the delegates' shadow routes live in the bridge's routes file --routes FILE (deploy it afterwards); it needs
      a passing parity report, at most a day old, for each route (--parity-report, repeatable). cleanup needs a
      passing verify report, at most a day old, of each account whose steps it depends on (--verified,
      repeatable; for bridge plans the bridge account's covers the cutover) and checks this account's steps again.
  verify --plan FILE --account-id ID [--phase LIST] [--send-test] [--canary [--canary-timeout S]] [--routes FILE]
         [--out FILE]
      Reads the live state of the account's steps back; exit 1 on drift (cutover steps: the mode of each route
      in --routes FILE). --send-test sends from each identity to
      the SES mailbox simulator (success@, bounce@, complaint@simulator.amazonses.com) through the new path.
      --canary proves delivery: per destination topic of this account, a temporary SQS queue (only that topic may
      send) is subscribed, mail is sent to the simulator, and each type must arrive in the promised format within
      S seconds (default 300); duplicates and latency are reported; queue and subscription are always removed
      (also on Ctrl-C). The cleanup of an account needs its passing canary. --out writes the report that
      apply --phase cleanup --verified takes.
  parity --plan FILE --account-id ID [--duration S] [--send] [--settle S] [--out FILE] [--html FILE]
      Bridge plans, in a delegate's account, between the switch and the cutover: for each shadow route to a topic
      of this account, temporary SQS queues on the legacy (live) topic and on the shadow topic collect for up to
      S seconds (default 300; progress on stderr); --send mails the SES mailbox simulator for each type of the
      route and stops once every test message arrived on both sides (plus --settle S, default 3; without --send,
      the settle time after the duration only completes pairs already begun). Copies are
      matched by feedback key: matched, legacy only (lost by the bridge), bridge only; matched pairs get a
      field-level diff of the bridge's notification rendering against what SES delivered, where only the
      expected differences of docs/cutover.md pass. Prints a table; --out writes the JSON report that
      apply --phase cutover --parity-report takes, --html a one-page summary. Exit 0 only at full parity, 1
      otherwise, 130 on Ctrl-C; the queues and subscriptions are always removed.
  rollback --journal FILE --plan FILE --account-id ID [--execute] [--routes FILE]
      Undoes the journal's changes in reverse order (dry run unless --execute); stops at a conflict. Refuses the
      whole journal when an entry is not one the plan could have produced; skips (and reports) a truncated last
      line. SES_BRIDGE_PLAN_HMAC_KEY, when set, must have signed every plan these commands read. A cutover journal
      puts its routes back in shadow mode in --routes FILE (deploy it afterwards).

  demo [--dir DIR]
      The whole migration on local test servers, no AWS account (npm run migrate:demo): an owner and two
      delegates with legacy cross-account topics; inventory, plan (bridge), apply (shadow routes), verify --canary,
      parity, cutover, cleanup.
      Files in DIR (default .demo/migration).

Common options:
  --pace-ms N        milliseconds between SES v1 identity notification calls (default 1000: SES allows 1/s)
  --retry-base-ms N  first backoff after throttling (default ${DEFAULT_RETRY.baseDelayMs}, doubled per attempt, ${DEFAULT_RETRY.maxAttempts} attempts)
  -h, --help         this help; 'ses-bridge migrate help <command>' shows one command

AWS access: the SDK's credential chain and region (AWS_REGION, or the profile's region); endpoints from
AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_STS (and, for --canary and parity, _SNS and _SQS). Every command that reads or writes AWS first
asks STS GetCallerIdentity whose credentials are in use, and refuses (exit 1) when that account differs from
--account-id, from the plan's steps it would run, or from the journal's account. Progress on stderr; results (JSON) on stdout.
Exit status: 0 ok, 1 refused / drift / failed step / conflict, 2 usage or bad input file.
`;

export const SUBCOMMANDS = ['inventory', 'plan', 'apply', 'verify', 'parity', 'rollback'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** One sub-command's section of the usage text. */
export function subUsage(name: Subcommand): string {
  const lines = usage.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  ${name} `) || l === `  ${name}`);
  let end = start + 1;
  while (end < lines.length && (lines[end]!.startsWith('      ') || lines[end]!.startsWith('       '))) end++;
  return `Usage: ses-bridge migrate\n${lines.slice(start, end).join('\n')}\n\n${usage.slice(usage.indexOf('Common options:'))}`;
}
