/** `ses-bridge migrate parity`: the shadow topics of this account against their legacy topics (lib/migration/parity.ts). */
import { UsageError } from '#lib/errors';
import {
  PARITY_DURATION_MS,
  parityHtml,
  paritySummary,
  parityTable,
  queueClientsFor,
  runParity,
  StateReader,
} from '#lib/migration/index';
import { ExitCode, type Io, parseCommandArgs } from '../cli';
import { accountIdOption, guard, interruptible, planRegion, readPlan, session, writeOut } from './migrate-common';

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`--${name} must be a whole number of seconds, got "${value}"`);
  return Number(value) * 1000;
}

export async function parity(argv: string[], io: Io, common: Record<string, { type: 'string' }>): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...common,
    plan: { type: 'string' },
    'account-id': { type: 'string' },
    duration: { type: 'string' },
    settle: { type: 'string' },
    send: { type: 'boolean' },
    out: { type: 'string' },
    html: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.plan) throw new UsageError('--plan FILE is required');
  const accountId = accountIdOption(values['account-id'], true)!;
  const durationMs = seconds(values.duration, 'duration', PARITY_DURATION_MS);
  const settleMs = seconds(values.settle, 'settle', 3000);
  const thePlan = readPlan(io, values.plan);
  if (thePlan.strategy !== 'bridge')
    throw new UsageError(`parity compares the bridge's shadow routes; plan ${thePlan.planId} is ${thePlan.strategy}`);
  await guard(await planRegion(thePlan, accountId), [{ account: accountId, source: '--account-id' }]);
  const reader = new StateReader(session(values as { 'pace-ms'?: string; 'retry-base-ms'?: string }, io));
  const report = await interruptible(io, 'parity', (signal) =>
    runParity({
      plan: thePlan,
      accountId,
      session: reader.session,
      clients: queueClientsFor,
      durationMs,
      settleMs,
      send: values.send === true,
      signal,
      progress: (line) => io.stderr(`${line}\n`),
    }),
  );
  if (values.out) writeOut(values.out, `${JSON.stringify(report, null, 2)}\n`);
  if (values.html) writeOut(values.html, parityHtml(report));
  io.stdout(parityTable(report));
  io.stderr(`${paritySummary(report)}\n`);
  if (report.interrupted) return 130;
  return report.passed ? ExitCode.ok : ExitCode.rejected;
}
