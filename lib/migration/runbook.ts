/**
 * `runbook.md`: the plan for people. What changes where, in which order, who must do it, the policies to add and how
 * to roll back. Deterministic (no clock reads), so it is golden-file tested and diffs cleanly between plan runs.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { commands, ROLE_TEXT } from '#lib/migration/runbook-commands';
import { NOTIFICATION_TYPES, type Phase, type Plan, type PlannedIdentity, type Step } from '#lib/migration/types';

const PHASE_TEXT: Record<Phase, { title: string; intro: string }> = {
  prepare: {
    title: 'prepare',
    intro: "Adds the new path beside the legacy one. Nobody's feedback changes yet.",
  },
  switch: {
    title: 'switch',
    intro:
      'Turns the new path on. Until cleanup, the legacy settings keep working too, so consumers may see some notifications twice: they should be idempotent (SES gives no exactly-once guarantee anyway).',
  },
  cutover: {
    title: 'cutover',
    intro:
      "Turns each delegate's shadow route live, once `ses-bridge migrate parity` showed the shadow topic gets exactly what the legacy topic gets. From the deploy of the routes file until cleanup, the delegate's topic gets each notification twice (legacy and bridge): run the cleanup right after.",
  },
  cleanup: {
    title: 'cleanup (point of no return)',
    intro:
      "Removes the legacy cross-account settings, in each delegate's account, only after `verify` passed for every account. SES no longer lets anyone create cross-account notifications, so these steps cannot be rolled back.",
  },
};

const STRATEGY_TEXT = {
  'config-set':
    'each delegate publishes its own feedback through a configuration set it names when sending (SES event publishing)',
  'owner-topic':
    "the owner points each identity's notification topics at its one delegate's topics (\"SNS topic you don't own\")",
  bridge:
    "the owner points each identity's notification topics at the bridge intake topic; the bridge routes every notification to the delegate that sent the mail",
} as const;

function code(text: string): string {
  return `\`${text}\``;
}

function json(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

function topicName(arn: string | null): string {
  return arn === null ? '-' : code(parseStandardTopicArn(arn)?.name ?? arn);
}

function apiText(step: Step): string {
  const { action } = step;
  if (action.api === 'manual') return 'manual';
  const [service, name] = action.api.split(':') as [string, string];
  return `${service === 'ses' ? 'SES v1' : 'SESv2'} ${code(name)}`;
}

/** After the plan, which topic each type of the identity uses (from the owner's switch steps). */
function afterTopic(plan: Plan, id: PlannedIdentity, type: (typeof NOTIFICATION_TYPES)[number]): string {
  const step = plan.steps.find(
    (s) =>
      s.action.api === 'ses:SetIdentityNotificationTopic' &&
      s.action.params.Identity === id.identity &&
      s.action.params.NotificationType === type &&
      s.phase === 'switch',
  );
  if (step?.action.api === 'ses:SetIdentityNotificationTopic') return topicName(step.action.params.SnsTopic);
  return id.owner ? topicName(id.owner.notifications[type].topicArn) : '(unchanged)';
}

function beforeAfter(plan: Plan): string[] {
  const lines: string[] = ['## Before and after', ''];
  for (const id of plan.identities) {
    lines.push(`### ${code(id.identity)} (owner ${id.ownerAccountId}, ${id.region})`, '');
    const delegates = id.subscriptions.map((s) => s.delegateAccountId);
    lines.push(
      `| type | owner's topic before | ${delegates.map((d) => `legacy topic of ${d}`).join(' | ')} | identity topic after |`,
    );
    lines.push(`|---|---|${delegates.map(() => '---|').join('')}---|`);
    for (const type of NOTIFICATION_TYPES) {
      const own = id.owner ? topicName(id.owner.notifications[type].topicArn) : '(no owner inventory)';
      const legacy = id.subscriptions.map((s) => {
        const t = s.topics[type];
        return t ? `${topicName(t.topicArn)}${t.headersEnabled ? ' + headers' : ''}` : '-';
      });
      lines.push(`| ${type} | ${own} | ${legacy.join(' | ')} | ${afterTopic(plan, id, type)} |`);
    }
    lines.push('');
  }
  if (plan.strategy === 'config-set') {
    lines.push(
      "With `config-set` the identity itself does not change: each delegate's feedback comes from its own configuration set (see the steps).",
      '',
    );
  }
  return lines;
}

function stepBlock(step: Step, index: number): string[] {
  const lines = [`#### ${index}. ${step.title}`, ''];
  lines.push(`- Step: ${code(step.id)}`);
  lines.push(`- Who: ${ROLE_TEXT[step.role]}, account ${step.account}, ${step.region}`);
  if (step.action.api === 'manual') {
    lines.push(`- How: by hand. ${step.action.params.instructions}`);
  } else if (step.action.api === 'bridge:SetRouteMode') {
    lines.push(
      `- How: ${code('ses-bridge migrate apply --phase cutover --routes FILE --parity-report FILE')} sets the route's mode in the bridge's routes file (only with a passing parity report of the route's topic); then deploy that file:`,
    );
    lines.push('', json(step.action.params), '');
  } else {
    lines.push(`- How: ${code('ses-bridge migrate apply')} runs ${apiText(step)} with:`);
    lines.push('', json(step.action.params), '');
  }
  lines.push(`- Revert: ${step.revert.description}${step.revert.reversible ? '' : ' **Cannot be rolled back.**'}`);
  if (step.dependsOn.length > 0) lines.push(`- After: ${step.dependsOn.map(code).join(', ')}`);
  if (
    step.action.api === 'manual' &&
    (step.action.params.kind === 'sns-topic-policy' || step.action.params.kind === 'create-shadow-topic')
  ) {
    lines.push('- Policy: in [SNS topic policies to add](#sns-topic-policies-to-add) below.');
  }
  lines.push('');
  return lines;
}

function policies(plan: Plan): string[] {
  const manuals = plan.steps.filter(
    (s) =>
      s.action.api === 'manual' &&
      (s.action.params.kind === 'sns-topic-policy' || s.action.params.kind === 'create-shadow-topic'),
  );
  if (manuals.length === 0) return [];
  const lines = ['## SNS topic policies to add', ''];
  lines.push(
    "Add each statement to the topic's existing access policy (SNS console: topic, Edit, Access policy; or `aws sns set-topic-attributes --attribute-name Policy`). Keep the other statements.",
    '',
  );
  for (const step of manuals) {
    if (step.action.api !== 'manual') continue;
    const doc = step.action.params.document as { topicPolicy?: unknown } | undefined;
    lines.push(
      `- ${ROLE_TEXT[step.role]} ${step.account}, topic ${code(step.action.params.target)} (step ${code(step.id)}):`,
      '',
      json(doc?.topicPolicy ?? doc),
      '',
    );
  }
  if (plan.strategy !== 'config-set') {
    lines.push(
      'No AWS example covers SES publishing to a topic in another account on behalf of an identity; the statements above follow the documented same-account shape (`AWS:SourceAccount` = the identity owner, `AWS:SourceArn` = the identity). Check them with `verify --send-test`.',
      '',
    );
  }
  lines.push('### KMS-encrypted topics', '');
  lines.push(
    'If a topic above uses server-side encryption with a customer managed KMS key, whoever publishes must be able to use that key, or SES answers `InvalidParameterValue` when the topic is chosen and publishing fails (configure-sns-notifications). The AWS managed key `alias/aws/sns` cannot be shared that way: use a customer managed key. Add to the key policy:',
    '',
  );
  const kms = new Map<string, unknown>();
  for (const step of manuals) {
    const doc =
      step.action.api === 'manual'
        ? (step.action.params.document as { kmsKeyPolicyStatement?: { Principal?: unknown } } | undefined)
        : undefined;
    if (doc?.kmsKeyPolicyStatement)
      kms.set(JSON.stringify(doc.kmsKeyPolicyStatement.Principal), doc.kmsKeyPolicyStatement);
  }
  for (const statement of kms.values()) {
    const principal = (statement as { Principal: { Service?: string; AWS?: string } }).Principal;
    lines.push(
      `- for topics ${principal.Service ? 'SES publishes to' : `the bridge (${principal.AWS}) publishes to; the bridge role also needs these actions on the key in its IAM policy`}:`,
      '',
      json(statement),
      '',
    );
  }
  return lines;
}

function rollbackSection(plan: Plan): string[] {
  return [
    '## Rolling back',
    '',
    "Every change `apply --execute` makes is journaled (`{step, before, after}`, one JSON line each) before the next step starts. To undo an account's changes, with the same credentials:",
    '',
    '```sh',
    'ses-bridge migrate rollback --journal journal-<ACCOUNT>.ndjson --plan plan.json --account-id <ACCOUNT>            # dry run',
    'ses-bridge migrate rollback --journal journal-<ACCOUNT>.ndjson --plan plan.json --account-id <ACCOUNT> --execute',
    '```',
    '',
    'Roll back the accounts in the reverse order of the steps. Rollback restores `before` for each entry, last change first, skips entries already undone, and stops at an entry whose live state someone changed since (a conflict) instead of overwriting it.',
    '',
    ...(plan.strategy === 'bridge'
      ? [
          'After the owner rolled back, the bridge routes can stay deployed: nothing reaches the intake topic any more.',
          '',
        ]
      : []),
    'The cleanup phase is the exception: once a legacy cross-account setting is removed, SES may refuse to set it again, and a rollback that reaches such an entry stops there. Keep the new path instead.',
    '',
  ];
}

/** Renders the runbook of a plan. */
export function renderRunbook(plan: Plan): string {
  const accounts = [...new Set(plan.inventories.map((i) => i.accountId))];
  const lines: string[] = [
    '# Migration runbook: off legacy cross-account notifications',
    '',
    `Plan ${code(plan.planId)}, strategy **${plan.strategy}**: ${STRATEGY_TEXT[plan.strategy]}. Generated ${plan.generatedAt} from the inventories of ${accounts.join(', ')}.`,
    '',
  ];
  if (plan.steps.length === 0) {
    lines.push('Nothing to migrate: the inventories show no legacy cross-account notifications.', '');
  }
  if (plan.warnings.length > 0) {
    lines.push('## Warnings', '', ...plan.warnings.map((w) => `- ${w}`), '');
  }
  if (plan.identities.length > 0) lines.push(...beforeAfter(plan));
  if (plan.steps.length > 0) {
    lines.push(...commands(plan));
    lines.push('## Steps', '');
    let index = 0;
    let phaseNumber = 0;
    for (const phase of ['prepare', 'switch', 'cutover', 'cleanup'] as const) {
      const steps = plan.steps.filter((s) => s.phase === phase);
      if (steps.length === 0) continue;
      lines.push(`### Phase ${++phaseNumber}: ${PHASE_TEXT[phase].title}`, '', PHASE_TEXT[phase].intro, '');
      for (const step of steps) lines.push(...stepBlock(step, ++index));
    }
    lines.push(...policies(plan));
  }
  if (plan.routes) {
    lines.push(
      '## Routes file',
      '',
      "Written as `routes.json` beside this runbook; merge its routes into the bridge's routes file before the switch.",
      '',
      json(plan.routes),
      '',
    );
  }
  if (plan.steps.length > 0) {
    lines.push('## Checking', '');
    lines.push(
      '`ses-bridge migrate verify --plan plan.json --account-id <ACCOUNT>` reads every SES setting of the account\'s steps back and exits 1 on drift. Right after `apply`, give SES a minute: changes "might take a few minutes to take effect" (configure-sns-notifications).',
      '',
      'With `--send-test` it also sends from each identity to the SES mailbox simulator (`success@`, `bounce@`, `complaint@simulator.amazonses.com`) through the new path, and prints what should arrive on which topic. Watch those topics (a test subscription, or CloudWatch `NumberOfMessagesPublished`) before the cleanup phase.',
      '',
    );
    lines.push(...rollbackSection(plan));
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
