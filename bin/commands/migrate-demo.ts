/**
 * `ses-bridge migrate demo` (`npm run migrate:demo`): the whole migration on the local test servers, no AWS account
 * (bin/commands/migrate-demo-world.ts). The bridge path of the runbook through the real commands, each as its
 * account: inventory -> plan (bridge) -> apply (shadow routes) -> verify --canary -> parity -> cutover -> cleanup.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Io } from '../cli';
import { type Runner, startDemoWorld } from './migrate-demo-world';

export async function runMigrationDemo(io: Io, run: Runner, dir: string): Promise<number> {
  const started = Date.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const at = (file: string) => path.join(dir, file);
  const world = await startDemoWorld(run);
  const { owner, delegates, ses, sns, sqs } = world;
  let n = 0;
  let failed = 0;
  /** Runs one migrate command as `account`, showing its progress and a one-line result. */
  const step = async (what: string, account: string, name: string, argv: string[]): Promise<string> => {
    io.stdout(`\n== ${++n}. ${what} (account ${account}): ses-bridge migrate ${name} ${argv.join(' ')}\n`);
    let out = '';
    const code = await world.run(account, name, argv, {
      ...io,
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => io.stdout(`   ${t.replace(/\n(?=.)/g, '\n   ')}`),
    });
    // One-line JSON results inline; a table (parity) indented below the exit status.
    const shown = out.trim();
    if (shown.includes('\n')) io.stdout(`   -> exit ${code}\n${shown.replace(/^(?=.)/gm, '      ')}\n`);
    else io.stdout(`   -> exit ${code}${shown.length < 400 ? `: ${shown}` : ''}\n`);
    if (code !== 0) failed++;
    return out;
  };
  const note = (text: string) => io.stdout(`   (${text})\n`);
  try {
    io.stdout(
      `ses-bridge migration walk-through on local test servers (SES+STS ${ses.endpoint()}, SNS ${sns.endpoint}, SQS ${sqs.endpoint})\nowner ${owner} (example.com), delegates ${delegates.join(', ')} with legacy cross-account topics; files in ${dir}\n`,
    );
    await step('inventory of the owner', owner, 'inventory', ['--all', '--out', at('inventory-owner.json')]);
    for (const d of delegates)
      await step('inventory of a delegate', d, 'inventory', [
        '--identities',
        world.identityArn,
        '--out',
        at(`inventory-${d}.json`),
      ]);
    await step('plan (bridge)', owner, 'plan', [
      ...['owner', ...delegates].flatMap((a) => ['--inventory', at(`inventory-${a}.json`)]),
      '--strategy',
      'bridge',
      '--bridge-topic',
      world.bridgeTopicArn,
      '--out',
      at('plan'),
    ]);
    // The manual prepare steps: the delegates create their shadow topics, the operator deploys the routes (shadow).
    const routes = at('routes.json');
    copyFileSync(at('plan/routes.json'), routes);
    note(`manual steps: shadow topics created: ${world.createShadowTopics(routes).join(', ')}`);
    world.deploy(routes);
    note(`manual step: the bridge deployed with ${routes}; the delegates' routes are in shadow mode`);
    const plan = ['--plan', at('plan/plan.json')];
    await step('apply: the owner points example.com at the bridge', owner, 'apply', [
      ...plan,
      '--account-id',
      owner,
      '--execute',
      '--journal',
      at(`journal-${owner}.ndjson`),
    ]);
    await step('verify the owner', owner, 'verify', [
      ...plan,
      '--account-id',
      owner,
      '--out',
      at(`verify-${owner}.json`),
    ]);
    for (const d of delegates)
      await step('verify --canary: the legacy path still delivers, the shadow route does not', d, 'verify', [
        ...plan,
        '--account-id',
        d,
        '--canary',
        '--canary-timeout',
        '30',
        '--out',
        at(`verify-${d}.json`),
      ]);
    for (const d of delegates)
      await step('parity: the shadow topic against the legacy topic', d, 'parity', [
        ...plan,
        '--account-id',
        d,
        '--send',
        '--duration',
        '30',
        '--settle',
        '1',
        '--out',
        at(`parity-${d}.json`),
      ]);
    // The bridge runs in the owner's account here: the owner is also the bridge operator.
    await step("cutover: the delegates' routes go live", owner, 'apply', [
      ...plan,
      '--account-id',
      owner,
      '--phase',
      'cutover',
      '--routes',
      routes,
      ...delegates.flatMap((d) => ['--parity-report', at(`parity-${d}.json`)]),
      '--execute',
      '--journal',
      at(`journal-${owner}-cutover.ndjson`),
    ]);
    world.deploy(routes);
    note(`manual step: the bridge deployed with ${routes}; the delegates' routes are live`);
    await step('verify the bridge operator, cutover included', owner, 'verify', [
      ...plan,
      '--account-id',
      owner,
      '--phase',
      'prepare,switch,cutover',
      '--routes',
      routes,
      '--out',
      at(`verify-${owner}.json`),
    ]);
    for (const d of delegates)
      await step('cleanup: remove the legacy cross-account topics', d, 'apply', [
        ...plan,
        '--account-id',
        d,
        '--phase',
        'cleanup',
        '--verified',
        at(`verify-${owner}.json`),
        '--verified',
        at(`verify-${d}.json`),
        '--execute',
        '--journal',
        at(`journal-${d}-cleanup.ndjson`),
      ]);
    await world.settled();
    const left = [...ses.crossAccount.values()].length;
    io.stdout(
      `\n${failed === 0 ? 'done' : `${failed} steps FAILED`}: ${n} steps in ${((Date.now() - started) / 1000).toFixed(1)} s; legacy cross-account settings left: ${left}; the bridge routed ${sns.state.published.filter((m) => m.attributes.bridgeId).length} notifications\n`,
    );
    return failed === 0 && left === 0 ? 0 : 1;
  } finally {
    await world.close();
  }
}
