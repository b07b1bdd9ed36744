import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { MigrationRefusal } from '#lib/migration/errors';
import { parseInventory } from '#lib/migration/inventory-file';
import { buildPlan } from '#lib/migration/plan';
import { parsePlan } from '#lib/migration/plan-file';
import { type Inventory, PHASES, type Plan, type Step } from '#lib/migration/types';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes, route } from '#lib/routing/index';
import { loadEvent, REPO_ROOT } from '#test/support/fixtures';

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const BRIDGE = 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake';
const now = () => new Date('2026-01-15T12:00:00.000Z');

function inventory(name: string): Inventory {
  const file = path.join(REPO_ROOT, 'test/fixtures/migration', name);
  return parseInventory(JSON.parse(readFileSync(file, 'utf8')), name);
}

const owner = () => inventory(`inventory-owner-${OWNER}.json`);
const acme = () => inventory(`inventory-delegate-${ACME}.json`);
const beta = () => inventory(`inventory-delegate-${BETA}.json`);

/** Only acme uses example.com: the owner's policy names acme alone and the owner has no Bounce topic of its own. */
function singleDelegateOwner(): Inventory {
  const inv = owner();
  const id = inv.identities.find((i) => i.identity === 'example.com')!;
  id.authorizedDelegates = [ACME];
  id.notifications.Bounce = { topicArn: null, headersEnabled: false };
  return inv;
}

function refusal(run: () => unknown): MigrationRefusal {
  try {
    run();
  } catch (err) {
    if (err instanceof MigrationRefusal) return err;
    throw err;
  }
  throw new Error('expected a MigrationRefusal');
}

const apis = (plan: Plan) =>
  plan.steps.map(
    (s) =>
      `${s.phase} ${s.account} ${s.action.api}${'NotificationType' in s.action.params ? ` ${s.action.params.NotificationType}` : ''}`,
  );

describe('plan: common rules', () => {
  it('orders steps by phase, numbers them in that order and keeps every dependency on an earlier step', () => {
    for (const plan of [
      buildPlan([owner(), acme(), beta()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now }),
      buildPlan([owner(), acme(), beta()], { strategy: 'config-set', now }),
      buildPlan([singleDelegateOwner(), acme()], { strategy: 'owner-topic', now }),
    ]) {
      const phases = plan.steps.map((s) => s.phase);
      expect(phases).toEqual([...phases].sort((a, b) => PHASES.indexOf(a) - PHASES.indexOf(b)));
      plan.steps.forEach((step, i) => {
        expect(step.id.startsWith(String(i + 1).padStart(2, '0'))).toBe(true);
        for (const dep of step.dependsOn) expect(plan.steps.findIndex((s) => s.id === dep)).toBeLessThan(i);
      });
      // The written plan reads back, and its id still matches its steps.
      expect(parsePlan(JSON.parse(JSON.stringify(plan)), 'plan.json')).toEqual(plan);
    }
  });

  it('puts the removal of legacy settings last, in each delegate account, and marks it irreversible', () => {
    const plan = buildPlan([owner(), acme(), beta()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });
    const cleanup = plan.steps.filter((s) => s.phase === 'cleanup');
    expect(cleanup.map((s) => [s.account, s.action])).toEqual([
      [
        ACME,
        {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: ARN, NotificationType: 'Bounce', SnsTopic: null },
        },
      ],
      [
        ACME,
        {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: ARN, NotificationType: 'Complaint', SnsTopic: null },
        },
      ],
      [
        BETA,
        {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: ARN, NotificationType: 'Bounce', SnsTopic: null },
        },
      ],
      [
        BETA,
        {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: ARN, NotificationType: 'Delivery', SnsTopic: null },
        },
      ],
    ]);
    expect(cleanup.every((s) => s.revert.reversible === false && s.role === 'delegate')).toBe(true);
    expect(plan.steps.slice(-cleanup.length)).toEqual(cleanup);
  });

  it('plans nothing, with a warning, when no inventory holds a legacy subscription', () => {
    const plan = buildPlan([owner()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });
    expect(plan.steps).toEqual([]);
    expect(plan.warnings).toContain(
      'no legacy cross-account notifications in the given inventories: nothing to migrate (a delegate finds them with: ses-bridge migrate inventory --account-id <its account> --identities <owner identity ARNs>)',
    );
  });

  it('warns about delegates the policies authorize but whose inventory is missing', () => {
    const plan = buildPlan([owner(), acme()], { strategy: 'config-set', now });
    expect(plan.warnings).toContain(
      `example.com: its policies authorize ${BETA}, but no inventory of ${BETA} covers ${ARN}; if ${BETA} has legacy cross-account notifications on it they are not in this plan (ask ${BETA} to run: ses-bridge migrate inventory --account-id ${BETA} --identities ${ARN})`,
    );
  });

  it('warns about a subscription of a delegate that no policy names any more', () => {
    const inv = owner();
    inv.identities.find((i) => i.identity === 'example.com')!.authorizedDelegates = [BETA];
    const plan = buildPlan([inv, acme(), beta()], { strategy: 'config-set', now });
    expect(plan.warnings).toContain(
      `example.com: ${ACME} has legacy cross-account notifications on it, but no sending authorization policy of the identity names ${ACME} any more; its settings are planned all the same`,
    );
  });

  it('uses the newer of two inventories of the same account, with a warning', () => {
    const older = acme();
    older.generatedAt = '2026-01-01T00:00:00.000Z';
    older.identities[0]!.notifications.Bounce.topicArn = `arn:aws:sns:us-east-1:${ACME}:old-topic`;
    const plan = buildPlan([owner(), older, acme(), beta()], { strategy: 'config-set', now });
    expect(plan.warnings).toContain(
      `two inventories of account ${ACME} in us-east-1: using the one generated at 2026-01-15T10:05:00.000Z, ignoring 2026-01-01T00:00:00.000Z`,
    );
    expect(JSON.stringify(plan.steps)).not.toContain('old-topic');
  });

  it('is deterministic: the same inventories give the same plan id', () => {
    const a = buildPlan([owner(), acme(), beta()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });
    const b = buildPlan([beta(), owner(), acme()], {
      strategy: 'bridge',
      bridgeTopicArn: BRIDGE,
      now: () => new Date(),
    });
    expect(b.planId).toBe(a.planId);
    expect(b.steps).toEqual(a.steps);
  });
});

describe('plan: config-set', () => {
  const plan = () => buildPlan([owner(), acme(), beta()], { strategy: 'config-set', now });

  it('creates, in each delegate account, a configuration set with one SNS destination per legacy topic and the same types', () => {
    const steps = plan().steps.filter((s) => s.action.api.startsWith('sesv2:'));
    expect(steps.map((s) => [s.account, s.action.params])).toEqual([
      [ACME, { ConfigurationSetName: 'legacy-feedback' }],
      [
        ACME,
        {
          ConfigurationSetName: 'legacy-feedback',
          EventDestinationName: 'legacy-acme-feedback',
          EventDestination: {
            Enabled: true,
            MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback` },
          },
        },
      ],
      [BETA, { ConfigurationSetName: 'legacy-feedback' }],
      [
        BETA,
        {
          ConfigurationSetName: 'legacy-feedback',
          EventDestinationName: 'legacy-beta-bounces',
          EventDestination: {
            Enabled: true,
            MatchingEventTypes: ['BOUNCE'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-bounces` },
          },
        },
      ],
      [
        BETA,
        {
          ConfigurationSetName: 'legacy-feedback',
          EventDestinationName: 'legacy-beta-deliveries',
          EventDestination: {
            Enabled: true,
            MatchingEventTypes: ['DELIVERY'],
            SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-deliveries` },
          },
        },
      ],
    ]);
    expect(plan().steps.every((s) => s.account !== OWNER)).toBe(true);
  });

  it('gives each delegate the topic policy for its configuration set and the change it must make when sending', () => {
    const p = plan();
    const policy = p.steps.find(
      (s) => s.action.api === 'manual' && s.action.params.kind === 'sns-topic-policy' && s.account === ACME,
    )!;
    expect(policy.action.api === 'manual' && (policy.action.params.document as any).topicPolicy.Statement[0]).toEqual({
      Sid: `AllowSESPublish${ACME}`,
      Effect: 'Allow',
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
      Condition: {
        StringEquals: {
          'AWS:SourceAccount': ACME,
          'AWS:SourceArn': `arn:aws:ses:us-east-1:${ACME}:configuration-set/legacy-feedback`,
        },
      },
    });
    const naming = p.steps.find((s) => s.phase === 'switch' && s.account === ACME)!;
    expect(naming.action).toMatchObject({
      api: 'manual',
      params: {
        kind: 'name-configuration-set',
        target: 'legacy-feedback',
        document: { configurationSetName: 'legacy-feedback', identityArns: [ARN] },
      },
    });
    expect(naming.action.api === 'manual' && naming.action.params.instructions).toContain(
      'ConfigurationSetName=legacy-feedback',
    );
  });

  it('says the payload changes and points legacy consumers to the bridge', () => {
    expect(plan().warnings).toContain(
      `${ACME}: arn:aws:sns:us-east-1:${ACME}:acme-feedback will receive event-publishing records ("eventType", "mail.tags"; no "mail.callerIdentity" or "mail.sourceIp") instead of legacy notifications ("notificationType"). Consumers that parse the legacy payload must change, or put the bridge in between: point the event destination at a bridge intake topic and route to these topics with format "notification" (see --strategy bridge).`,
    );
  });

  it('warns when the configuration set exists already, and when one of its destinations has another definition', () => {
    const delegate = acme();
    delegate.configurationSets.push({
      name: 'legacy-feedback',
      eventDestinations: [
        {
          name: 'legacy-acme-feedback',
          enabled: true,
          matchingEventTypes: ['BOUNCE'],
          snsTopicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
        },
      ],
    });
    const p = buildPlan([owner(), delegate, beta()], { strategy: 'config-set', now });
    expect(p.warnings).toContain(
      `configuration set legacy-feedback already exists in ${ACME} (us-east-1): the migration adds its event destinations to it and rollback leaves the set in place`,
    );
    expect(p.warnings).toContain(
      `event destination legacy-acme-feedback of legacy-feedback in ${ACME} exists with another definition: apply updates it and rollback restores it`,
    );
  });

  it('makes one configuration set per topic mapping when a delegate used different topics on different identities', () => {
    const delegate = acme();
    const other = structuredClone(delegate.identities[0]!);
    other.identity = 'example.net';
    other.identityArn = `arn:aws:ses:us-east-1:${OWNER}:identity/example.net`;
    other.notifications.Bounce.topicArn = `arn:aws:sns:us-east-1:${ACME}:net-bounces`;
    delegate.identities.push(other);
    const p = buildPlan([delegate], { strategy: 'config-set', configSetName: 'migrated', now });
    expect(p.steps.filter((s) => s.action.api === 'sesv2:CreateConfigurationSet').map((s) => s.action.params)).toEqual([
      { ConfigurationSetName: 'migrated-example_com' },
      { ConfigurationSetName: 'migrated-example_net' },
    ]);
  });

  it('refuses a configuration set name SES would reject', () => {
    expect(refusal(() => buildPlan([acme()], { strategy: 'config-set', configSetName: 'not valid!' })).reasons).toEqual(
      ['--config-set-name must be 1-64 characters of A-Z a-z 0-9 _ -, got "not valid!"'],
    );
  });
});

describe('plan: owner-topic', () => {
  it("points the identity's topics at the one delegate's topics, with its headers flags, after the delegate's topic policy", () => {
    const plan = buildPlan([singleDelegateOwner(), acme()], { strategy: 'owner-topic', now });
    expect(apis(plan)).toEqual([
      `prepare ${ACME} manual`,
      `switch ${OWNER} ses:SetIdentityNotificationTopic Bounce`,
      `switch ${OWNER} ses:SetIdentityHeadersInNotificationsEnabled Bounce`,
      `switch ${OWNER} ses:SetIdentityNotificationTopic Complaint`,
      `cleanup ${ACME} ses:SetIdentityNotificationTopic Bounce`,
      `cleanup ${ACME} ses:SetIdentityNotificationTopic Complaint`,
    ]);
    const [policy, bounce, headers] = plan.steps as [Step, Step, Step];
    expect(bounce.action.params).toEqual({
      Identity: 'example.com',
      NotificationType: 'Bounce',
      SnsTopic: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
    });
    expect(bounce.revert).toEqual({
      description: 'Clear the Bounce topic again (SetIdentityNotificationTopic without SnsTopic).',
      action: {
        api: 'ses:SetIdentityNotificationTopic',
        params: { Identity: 'example.com', NotificationType: 'Bounce', SnsTopic: null },
      },
      reversible: true,
    });
    expect(bounce.dependsOn).toEqual([policy.id]);
    expect(headers.action.params).toEqual({ Identity: 'example.com', NotificationType: 'Bounce', Enabled: true });
    // The delegate's topic policy names the owner's account and identity (the "SNS topic you don't own" case).
    expect(
      policy.action.api === 'manual' && (policy.action.params.document as any).topicPolicy.Statement[0].Condition,
    ).toEqual({
      StringEquals: { 'AWS:SourceAccount': OWNER, 'AWS:SourceArn': ARN },
    });
    expect(plan.warnings).toContain(
      `example.com: from the switch on, every Bounce/Complaint notification of this identity goes to ${ACME}'s topics, including for mail the owner ${OWNER} (or a delegate authorized later) sends from it`,
    );
  });

  it('refuses when more than one delegate uses the identity, and suggests the bridge', () => {
    const err = refusal(() => buildPlan([owner(), acme(), beta()], { strategy: 'owner-topic', now }));
    expect(err.reasons).toEqual([
      `example.com: 2 delegates use it (${ACME}, ${BETA}); with owner-topic their feedback would all land on one topic`,
      `example.com: the owner's own Bounce topic arn:aws:sns:us-east-1:${OWNER}:owner-bounces would be replaced by ${ACME}'s topic; the owner would lose its Bounce notifications and ${ACME} would receive the owner's`,
      `example.com: the owner's own Bounce topic arn:aws:sns:us-east-1:${OWNER}:owner-bounces would be replaced by ${BETA}'s topic; the owner would lose its Bounce notifications and ${BETA} would receive the owner's`,
    ]);
    expect(err.hint).toBe(
      'Use --strategy bridge (one intake topic, routed to each delegate in the format it parses) or --strategy config-set (each delegate names its own configuration set).',
    );
  });

  it('refuses when a second delegate is authorized even if only one has legacy settings', () => {
    const inv = singleDelegateOwner();
    inv.identities.find((i) => i.identity === 'example.com')!.authorizedDelegates = [ACME, BETA];
    expect(refusal(() => buildPlan([inv, acme()], { strategy: 'owner-topic', now })).reasons).toEqual([
      `example.com: 2 delegates use it (${ACME}, ${BETA}); with owner-topic their feedback would all land on one topic`,
    ]);
  });

  it("refuses without the owner's inventory", () => {
    expect(refusal(() => buildPlan([acme()], { strategy: 'owner-topic', now })).reasons).toEqual([
      `example.com: the owner's inventory (account ${OWNER}) is missing; owner-topic changes the owner's settings, so add it with --inventory`,
    ]);
  });
});

describe('plan: bridge', () => {
  const plan = () => buildPlan([owner(), acme(), beta()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });

  it('points every type anyone used at the intake topic, enabling headers because a delegate had them', () => {
    expect(apis(plan()).filter((a) => a.startsWith('switch'))).toEqual([
      `switch ${OWNER} ses:SetIdentityNotificationTopic Bounce`,
      `switch ${OWNER} ses:SetIdentityHeadersInNotificationsEnabled Bounce`,
      `switch ${OWNER} ses:SetIdentityNotificationTopic Complaint`,
      `switch ${OWNER} ses:SetIdentityNotificationTopic Delivery`,
    ]);
    const bounce = plan().steps.find((s) => s.phase === 'switch')!;
    expect(bounce.revert.action).toEqual({
      api: 'ses:SetIdentityNotificationTopic',
      params: {
        Identity: 'example.com',
        NotificationType: 'Bounce',
        SnsTopic: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
      },
    });
    expect(plan().warnings).toContain(
      'example.com: Bounce notifications will include the original headers for every consumer, because one of them had them',
    );
  });

  it("writes one route per delegate topic and types, and one for the owner's previous topic, that the routes parser accepts", () => {
    const { routes } = plan();
    expect(routes).toEqual({
      routes: [
        {
          name: `delegate-${ACME}-acme-feedback`,
          description: `legacy cross-account Bounce/Complaint notifications of ${ACME} on example.com`,
          when: { sendingAccountId: ACME, sourceArn: ARN, types: ['bounce', 'complaint'] },
          to: { topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`, format: 'notification' },
          mode: 'shadow',
          shadowTopicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback-shadow`,
        },
        {
          name: `delegate-${BETA}-beta-bounces`,
          description: `legacy cross-account Bounce notifications of ${BETA} on example.com`,
          when: { sendingAccountId: BETA, sourceArn: ARN, types: ['bounce'] },
          to: { topicArn: `arn:aws:sns:us-east-1:${BETA}:beta-bounces`, format: 'notification' },
          mode: 'shadow',
          shadowTopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-bounces-shadow`,
        },
        {
          name: `delegate-${BETA}-beta-deliveries`,
          description: `legacy cross-account Delivery notifications of ${BETA} on example.com`,
          when: { sendingAccountId: BETA, sourceArn: ARN, types: ['delivery'] },
          to: { topicArn: `arn:aws:sns:us-east-1:${BETA}:beta-deliveries`, format: 'notification' },
          mode: 'shadow',
          shadowTopicArn: `arn:aws:sns:us-east-1:${BETA}:beta-deliveries-shadow`,
        },
        {
          name: `owner-${OWNER}-owner-bounces`,
          description: "the owner's previous Bounce topic of example.com (every sender, as before)",
          when: { sourceArn: ARN, types: ['bounce'] },
          to: { topicArn: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`, format: 'notification' },
        },
      ],
      unmatched: { action: 'drop' },
    });
    expect(() => parseRoutesConfig(routes, 'routes.json')).not.toThrow();
  });

  it("routes a delegate's bounce to its shadow topic and the owner's previous topic, and drops another account's", () => {
    const compiled = compileRoutes(parseRoutesConfig(plan().routes, 'routes.json'));
    const bounce = (sendingAccountId: string) => {
      const doc = loadEvent('raw/legacy-bounce-with-dsn.json');
      doc.mail.sendingAccountId = sendingAccountId;
      doc.mail.sourceArn = ARN;
      const outcome = readFeedback(doc)[0]!;
      if (outcome.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(outcome)}`);
      return route(compiled, outcome.event).map((d) => d.topicArn);
    };
    expect(bounce(ACME)).toEqual([
      `arn:aws:sns:us-east-1:${ACME}:acme-feedback-shadow`,
      `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
    ]);
    expect(bounce(BETA)).toEqual([
      `arn:aws:sns:us-east-1:${BETA}:beta-bounces-shadow`,
      `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
    ]);
    expect(bounce('999999999999')).toEqual([`arn:aws:sns:us-east-1:${OWNER}:owner-bounces`]);
  });

  it('uses --format for the delegates only, with a warning', () => {
    const p = buildPlan([owner(), acme(), beta()], {
      strategy: 'bridge',
      bridgeTopicArn: BRIDGE,
      format: 'event',
      now,
    });
    expect(p.routes!.routes.map((r) => r.to.format)).toEqual(['event', 'event', 'event', 'notification']);
    expect(p.warnings).toContain(
      '--format event: the delegates\' consumers parse legacy notifications today; with "event" they get another payload (the owner\'s routes stay "notification")',
    );
  });

  it('has each topic owner let the bridge publish, and the bridge operator let SES publish to the intake topic', () => {
    const p = plan();
    const manual = p.steps.filter((s) => s.action.api === 'manual');
    expect(manual.map((s) => [s.role, s.account, s.action.api === 'manual' && s.action.params.target])).toEqual([
      ['delegate', ACME, `arn:aws:sns:us-east-1:${ACME}:acme-feedback`],
      ['delegate', BETA, `arn:aws:sns:us-east-1:${BETA}:beta-bounces`],
      ['delegate', BETA, `arn:aws:sns:us-east-1:${BETA}:beta-deliveries`],
      ['owner', OWNER, `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`],
      ['delegate', ACME, `arn:aws:sns:us-east-1:${ACME}:acme-feedback-shadow`],
      ['delegate', BETA, `arn:aws:sns:us-east-1:${BETA}:beta-bounces-shadow`],
      ['delegate', BETA, `arn:aws:sns:us-east-1:${BETA}:beta-deliveries-shadow`],
      ['bridge', '444444444444', BRIDGE],
      ['bridge', '444444444444', BRIDGE],
    ]);
    expect((manual[0]!.action.params as any).document.topicPolicy.Statement[0].Principal).toEqual({
      AWS: 'arn:aws:iam::444444444444:root',
    });
    const custom = buildPlan([owner(), acme(), beta()], {
      strategy: 'bridge',
      bridgeTopicArn: BRIDGE,
      bridgePrincipal: 'arn:aws:iam::444444444444:role/ses-bridge',
      now,
    });
    expect((custom.steps[0]!.action.params as any).document.topicPolicy.Statement[0].Principal).toEqual({
      AWS: 'arn:aws:iam::444444444444:role/ses-bridge',
    });
  });

  it('refuses a bridge topic in another region and a missing owner inventory', () => {
    const err = refusal(() =>
      buildPlan([acme()], { strategy: 'bridge', bridgeTopicArn: 'arn:aws:sns:eu-west-1:444444444444:intake', now }),
    );
    expect(err.reasons).toEqual([
      `example.com: the owner's inventory (account ${OWNER}) is missing; the bridge strategy changes the owner's settings and routes its own topics, so add it with --inventory`,
      "example.com is in us-east-1, but the bridge topic is in eu-west-1; SES notification topics must be in the identity's region (configure-sns-notifications)",
    ]);
  });
});

describe('plan: bridge shadow routes and cutover', () => {
  const plan = () => buildPlan([owner(), acme(), beta()], { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });

  it('has each delegate create the shadow topic of its live topic, beside it, before the routes are deployed', () => {
    const p = plan();
    const shadows = p.steps.filter((s) => s.action.api === 'manual' && s.action.params.kind === 'create-shadow-topic');
    expect(shadows.map((s) => [s.phase, s.role, s.account])).toEqual([
      ['prepare', 'delegate', ACME],
      ['prepare', 'delegate', BETA],
      ['prepare', 'delegate', BETA],
    ]);
    const deploy = p.steps.find((s) => s.id.endsWith('-bridge-deploy-routes'))!;
    for (const s of shadows) expect(deploy.dependsOn).toContain(s.id);
  });

  it('turns each delegate route live in a cutover step after the switch, which each legacy removal waits for', () => {
    const p = plan();
    const cutovers = p.steps.filter((s) => s.phase === 'cutover');
    expect(cutovers.map((s) => [s.account, s.action, s.seen, s.revert.action])).toEqual(
      [`delegate-${ACME}-acme-feedback`, `delegate-${BETA}-beta-bounces`, `delegate-${BETA}-beta-deliveries`].map(
        (Route) => [
          '444444444444',
          { api: 'bridge:SetRouteMode', params: { Route, Mode: 'live' } },
          { kind: 'route-mode', mode: 'shadow' },
          { api: 'bridge:SetRouteMode', params: { Route, Mode: 'shadow' } },
        ],
      ),
    );
    const cleanup = p.steps.filter((s) => s.phase === 'cleanup');
    expect(cleanup.map((s) => s.dependsOn.filter((d) => d.includes('-cutover-')))).toEqual([
      [cutovers[0]!.id],
      [cutovers[0]!.id],
      [cutovers[1]!.id, cutovers[2]!.id],
      [cutovers[1]!.id, cutovers[2]!.id],
    ]);
    expect(p.routes!.routes.map((r) => r.mode ?? 'live')).toEqual(['shadow', 'shadow', 'shadow', 'live']);
  });
});
