import path from 'node:path';
import { ConfigError, describeError, UsageError } from '#lib/errors';
import {
  applyPlan,
  buildInventory,
  buildPlan,
  CANARY_TIMEOUT_MS,
  connectionRefused,
  isRegion,
  journalHeader,
  journalRefusals,
  MigrationRefusal,
  PHASES,
  type Phase,
  PLAN_HMAC_KEY_ENV,
  parseInventoryText,
  parseJournalFile,
  parseJsonText,
  parseParityReport,
  parseVerifyReport,
  ROUTE_FORMATS,
  type RouteFormat,
  renderRunbook,
  requireCleanupAllowed,
  requireCutoverAllowed,
  rollbackJournal,
  STRATEGIES,
  StateReader,
  type Strategy,
  sdkRegion,
  verifyPlan,
} from '#lib/migration/index';
import { type Command, ExitCode, type Io, parseCommandArgs } from '../cli';
import {
  accountIdOption,
  canary,
  forceOption,
  guard,
  phasesOption,
  planRegion,
  readFile,
  readPlan,
  routesOption,
  session,
  summarize,
  writeOut,
} from './migrate-common';
import { runMigrationDemo } from './migrate-demo';
import { journalAppender } from './migrate-files';
import { parity } from './migrate-parity';
import { SUBCOMMANDS, type Subcommand, subUsage, usage } from './migrate-usage';

const common = {
  'pace-ms': { type: 'string' },
  'retry-base-ms': { type: 'string' },
} as const;

async function inventory(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...common,
    identities: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    region: { type: 'string' },
    'account-id': { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const list = (values.identities ?? []).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  if (values.all && list.length > 0) throw new UsageError('give --identities or --all, not both');
  if (!values.all && list.length === 0)
    throw new UsageError('give --identities LIST (names or identity ARNs) or --all');
  const region = values.region ?? (await sdkRegion());
  if (!region) throw new UsageError('--region is required (or set AWS_REGION, or a region in your AWS profile)');
  if (!isRegion(region)) throw new UsageError(`--region must be a region such as us-east-1, got "${region}"`);
  const claimed = accountIdOption(values['account-id'], false);
  const caller = await guard(region, claimed === null ? [] : [{ account: claimed, source: '--account-id' }]);
  const ses = session(values, io);
  const started = Date.now();
  const failures: string[] = [];
  const result = await buildInventory({
    onFailure: (text) => failures.push(text),
    session: ses,
    region,
    accountId: caller,
    identities: values.all ? 'all' : list,
    progress: (line) => io.stderr(`${line}\n`),
  });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  for (const w of result.warnings) if (!w.startsWith('incomplete: ')) io.stderr(`warning: ${w}\n`);
  io.stderr(
    `inventory: ${result.identities.length} identities of ${result.accountId} in ${region}, ${Date.now() - started} ms, calls ${JSON.stringify(ses.callCounts())}\n`,
  );
  if (values.out) {
    writeOut(values.out, text);
    io.stdout(`${values.out}\n`);
  } else io.stdout(text);
  // Written all the same: what could be read is kept, and the failed calls are named (stderr and warnings).
  for (const f of failures) io.stderr(`ses-bridge migrate inventory: incomplete: ${f}\n`);
  return failures.length > 0 ? ExitCode.rejected : ExitCode.ok;
}

async function plan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    inventory: { type: 'string', multiple: true },
    strategy: { type: 'string' },
    'bridge-topic': { type: 'string' },
    'bridge-principal': { type: 'string' },
    format: { type: 'string' },
    'config-set-name': { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.inventory?.length)
    throw new UsageError("--inventory FILE is required (repeat it for the owner's and each delegate's inventory)");
  const strategy = values.strategy as Strategy | undefined;
  if (!strategy || !STRATEGIES.includes(strategy))
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}`);
  if (values.format !== undefined && !(ROUTE_FORMATS as readonly string[]).includes(values.format))
    throw new UsageError(`--format must be one of ${ROUTE_FORMATS.join(', ')}, got "${values.format}"`);
  if (strategy === 'bridge' && !values['bridge-topic'])
    throw new UsageError('--strategy bridge needs --bridge-topic ARN, the bridge intake topic');
  if (strategy !== 'bridge' && (values['bridge-topic'] || values.format || values['bridge-principal'])) {
    throw new UsageError('--bridge-topic, --bridge-principal and --format apply to --strategy bridge only');
  }
  if (strategy !== 'config-set' && values['config-set-name'])
    throw new UsageError('--config-set-name applies to --strategy config-set only');
  const inventories = values.inventory.map((file) => parseInventoryText(readFile(io, file, 'inventory'), file));
  const result = buildPlan(inventories, {
    strategy,
    bridgeTopicArn: values['bridge-topic'] ?? null,
    bridgePrincipal: values['bridge-principal'] ?? null,
    ...(values.format ? { format: values.format as RouteFormat } : {}),
    ...(values['config-set-name'] ? { configSetName: values['config-set-name'] } : {}),
    ...(io.env[PLAN_HMAC_KEY_ENV] ? { hmacKey: io.env[PLAN_HMAC_KEY_ENV] } : {}),
  });
  const dir = values.out ?? 'migration-plan';
  const files = [path.join(dir, 'plan.json'), path.join(dir, 'runbook.md')];
  writeOut(files[0]!, `${JSON.stringify(result, null, 2)}\n`);
  writeOut(files[1]!, renderRunbook(result));
  if (result.routes) {
    files.push(path.join(dir, 'routes.json'));
    writeOut(files[2]!, `${JSON.stringify(result.routes, null, 2)}\n`);
  }
  for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
  const accounts = [...new Set(result.steps.map((s) => s.account))];
  io.stdout(
    `${JSON.stringify({ planId: result.planId, strategy, identities: result.identities.length, steps: result.steps.length, accounts, warnings: result.warnings.length, files })}\n`,
  );
  return ExitCode.ok;
}

async function apply(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...common,
    plan: { type: 'string' },
    'account-id': { type: 'string' },
    phase: { type: 'string', multiple: true },
    verified: { type: 'string', multiple: true },
    execute: { type: 'boolean' },
    journal: { type: 'string' },
    force: { type: 'string', multiple: true },
    routes: { type: 'string' },
    'parity-report': { type: 'string', multiple: true },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.plan) throw new UsageError('--plan FILE is required');
  const accountId = accountIdOption(values['account-id'], true)!;
  const phases = phasesOption(values.phase);
  if (phases.includes('cutover') && !values.routes)
    throw new UsageError(
      "--phase cutover needs --routes FILE: the bridge's routes file, in which the cutover sets each route's mode",
    );
  const reader = new StateReader(session(values, io), routesOption(values.routes));
  const thePlan = readPlan(io, values.plan);
  await guard(await planRegion(thePlan, accountId), [{ account: accountId, source: '--account-id' }]);
  const progress = (line: string) => io.stderr(`${line}\n`);
  if (phases.includes('cleanup')) {
    const reports = (values.verified ?? []).map((file) =>
      parseVerifyReport(parseJsonText(readFile(io, file, 'verify report'), file), file),
    );
    await requireCleanupAllowed(thePlan, { reader, accountId, reports, progress });
  }
  if (phases.includes('cutover')) {
    const reports = (values['parity-report'] ?? []).map((file) =>
      parseParityReport(parseJsonText(readFile(io, file, 'parity report'), file), file),
    );
    requireCutoverAllowed(thePlan, accountId, reports);
  }
  const journalFile = values.journal ?? `journal-${accountId}.ndjson`;
  const journal = values.execute ? journalAppender(journalFile, journalHeader(thePlan, accountId)) : undefined;
  io.stderr(
    `apply: plan ${thePlan.planId} (${thePlan.strategy}), account ${accountId}, phases ${phases.join(',')}, ${values.execute ? `EXECUTE, journal ${journalFile}` : 'dry run (add --execute to change anything)'}\n`,
  );
  const started = Date.now();
  const result = await applyPlan(thePlan, {
    reader,
    accountId,
    phases,
    execute: values.execute === true,
    force: forceOption(values.force, thePlan, accountId),
    ...(journal ? { journal } : {}),
    progress,
  });
  const counts = summarize(result.outcomes);
  io.stderr(
    `apply: ${JSON.stringify(counts)} in ${Date.now() - started} ms; SES calls ${JSON.stringify(reader.session.callCounts())}, retries ${reader.session.retries}\n`,
  );
  io.stdout(
    `${JSON.stringify({ planId: thePlan.planId, accountId, phases, execute: values.execute === true, journal: values.execute ? journalFile : null, counts, outcomes: result.outcomes })}\n`,
  );
  return result.ok ? ExitCode.ok : ExitCode.rejected;
}

async function verify(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...common,
    plan: { type: 'string' },
    'account-id': { type: 'string' },
    phase: { type: 'string', multiple: true },
    'send-test': { type: 'boolean' },
    canary: { type: 'boolean' },
    'canary-timeout': { type: 'string' },
    routes: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.plan) throw new UsageError('--plan FILE is required');
  const accountId = accountIdOption(values['account-id'], true)!;
  const phases = values.phase ? values.phase.flatMap((v) => v.split(',')).map((v) => v.trim()) : ['prepare', 'switch'];
  for (const phase of phases)
    if (!(PHASES as readonly string[]).includes(phase))
      throw new UsageError(`--phase must list ${PHASES.join(', ')}; got "${phase}"`);
  const reader = new StateReader(session(values, io), routesOption(values.routes));
  const thePlan = readPlan(io, values.plan);
  await guard(await planRegion(thePlan, accountId), [{ account: accountId, source: '--account-id' }]);
  const report = await verifyPlan(thePlan, {
    reader,
    accountId,
    phases: phases as Phase[],
    sendTest: values['send-test'] === true,
    progress: (line) => io.stderr(`${line}\n`),
  });
  let interrupted = false;
  if (values.canary) {
    const seconds = values['canary-timeout'] ?? String(CANARY_TIMEOUT_MS / 1000);
    if (!/^\d+$/.test(seconds) || Number(seconds) < 1)
      throw new UsageError(`--canary-timeout must be a whole number of seconds, got "${seconds}"`);
    report.canary = await canary(thePlan, accountId, reader, Number(seconds) * 1000, io);
    interrupted = report.canary.interrupted;
    report.passed &&= report.canary.passed;
  }
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (values.out) writeOut(values.out, text);
  const counts: Record<string, number> = {};
  for (const c of report.checks) counts[c.status] = (counts[c.status] ?? 0) + 1;
  io.stderr(
    `verify: ${report.passed ? 'PASSED' : 'FAILED'} ${JSON.stringify(counts)}${report.sendTests.length ? `, ${report.sendTests.filter((t) => t.error === null).length}/${report.sendTests.length} test sends` : ''}\n`,
  );
  io.stdout(text);
  if (interrupted) return 130;
  return report.passed ? ExitCode.ok : ExitCode.rejected;
}

async function rollback(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...common,
    journal: { type: 'string' },
    plan: { type: 'string' },
    'account-id': { type: 'string' },
    execute: { type: 'boolean' },
    routes: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.journal) throw new UsageError('--journal FILE is required (the file apply --execute wrote)');
  if (!values.plan) throw new UsageError('--plan FILE is required (the plan apply ran)');
  const accountId = accountIdOption(values['account-id'], true)!;
  const reader = new StateReader(session(values, io), routesOption(values.routes));
  const thePlan = readPlan(io, values.plan);
  const file = parseJournalFile(readFile(io, values.journal, 'journal'), values.journal);
  await guard(file.entries[0]?.entry.region ?? (await planRegion(thePlan, accountId)), [
    { account: accountId, source: '--account-id' },
    { account: file.header.account, source: "the journal's account" },
  ]);
  if (file.truncated)
    io.stderr(
      `rollback: ${values.journal} line ${file.truncated.line} is truncated (a crash while apply wrote it?): skipped; if that step changed SES, undo it by hand (verify shows it). The rest rolls back.\n`,
    );
  const refusals = journalRefusals(thePlan, file.header, file.entries);
  if (refusals.length > 0)
    throw new MigrationRefusal(
      refusals,
      'Nothing was rolled back: the journal holds entries this plan could not have produced (edited, or another journal).',
    );
  const entries = file.entries.map((e) => e.entry);
  const undoFile = `${values.journal}.rollback`;
  io.stderr(
    `rollback: ${entries.length} journaled changes, ${values.execute ? `EXECUTE, undo journal ${undoFile}` : 'dry run (add --execute to change anything)'}\n`,
  );
  const undo = values.execute ? journalAppender(undoFile, journalHeader(thePlan, accountId)) : undefined;
  const result = await rollbackJournal(entries, {
    reader,
    execute: values.execute === true,
    ...(undo ? { journal: undo } : {}),
    progress: (line) => io.stderr(`${line}\n`),
  });
  const counts = summarize(result.outcomes);
  io.stderr(`rollback: ${JSON.stringify(counts)}\n`);
  io.stdout(
    `${JSON.stringify({ journal: values.journal, execute: values.execute === true, truncatedLine: file.truncated?.line ?? null, counts, outcomes: result.outcomes })}\n`,
  );
  return result.ok ? ExitCode.ok : ExitCode.rejected;
}

const RUN: Record<Subcommand, (argv: string[], io: Io) => Promise<number>> = {
  inventory,
  plan,
  apply,
  verify,
  parity: (argv, io) => parity(argv, io, common),
  rollback,
};

export const command: Command = {
  name: 'migrate',
  summary: 'inventory, plan, apply, verify and roll back the move off cross-account notifications',
  usage,
  async run(argv, io) {
    const [name, ...rest] = argv;
    if (name === 'help') {
      const topic = rest[0] as Subcommand | undefined;
      io.stdout(topic && SUBCOMMANDS.includes(topic) ? subUsage(topic) : usage);
      return ExitCode.ok;
    }
    if (name === 'demo') {
      const dir = rest[0] === '--dir' && rest[1] ? rest[1] : '.demo/migration';
      return runMigrationDemo(io, (sub, args, subIo) => RUN[sub as Subcommand](args, subIo), dir);
    }
    if (name === undefined) throw new UsageError('which step? inventory, plan, apply, verify, parity or rollback');
    if (!SUBCOMMANDS.includes(name as Subcommand))
      throw new UsageError(`unknown migrate command "${name}": expected ${SUBCOMMANDS.join(', ')}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(subUsage(name as Subcommand));
      return ExitCode.ok;
    }
    try {
      return await RUN[name as Subcommand](rest, io);
    } catch (err) {
      if (err instanceof MigrationRefusal && err.reasons.length === 1 && !err.hint) {
        io.stderr(`ses-bridge migrate ${name}: refused: ${err.reasons[0]}\n`);
        return ExitCode.rejected;
      }
      if (err instanceof MigrationRefusal) {
        io.stderr(
          `ses-bridge migrate ${name}: refused:\n${err.reasons.map((r) => `  - ${r}`).join('\n')}\n${err.hint ? `${err.hint}\n` : ''}`,
        );
        return ExitCode.rejected;
      }
      if (err instanceof ConfigError) {
        io.stderr(`ses-bridge migrate ${name}: ${err.message}\n`);
        return ExitCode.usage;
      }
      if (err instanceof UsageError) throw err;
      const refused = connectionRefused(err);
      if (refused) {
        io.stderr(`ses-bridge migrate ${name}: failed: ${refused}\n`);
        return ExitCode.rejected;
      }
      // An AWS error (access denied, no such identity...): the command failed, the usage was fine.
      io.stderr(
        `ses-bridge migrate ${name}: failed: ${err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : ''}${describeError(err)}\n`,
      );
      return ExitCode.rejected;
    }
  },
};
