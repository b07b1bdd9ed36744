import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GetIdentityNotificationAttributesCommand,
  type IdentityNotificationAttributes,
  SESClient,
  SESServiceException,
  SetIdentityHeadersInNotificationsEnabledCommand,
  SetIdentityNotificationTopicCommand,
} from '@aws-sdk/client-ses';
import {
  CreateConfigurationSetCommand,
  CreateConfigurationSetEventDestinationCommand,
  DeleteConfigurationSetCommand,
  GetConfigurationSetCommand,
  GetConfigurationSetEventDestinationsCommand,
  NotFoundException,
  SESv2Client,
  UpdateConfigurationSetEventDestinationCommand,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, rollbackJournal } from '#lib/migration/apply';
import { cleanupGate } from '#lib/migration/gates';
import { parseInventory } from '#lib/migration/inventory-file';
import { buildPlan } from '#lib/migration/plan';
import { type RetryEvent, withRetry } from '#lib/migration/retry';
import { SesSession } from '#lib/migration/ses';
import { StateReader } from '#lib/migration/state';
import type { Inventory, JournalEntry, Plan, VerifyReport } from '#lib/migration/types';
import { verifyPlan } from '#lib/migration/verify';
import { REPO_ROOT } from '#test/support/fixtures';

const ses = mockClient(SESClient);
const sesv2 = mockClient(SESv2Client);
// Module-level stubs patch the client class for the whole process: give it back for the files that follow.
afterAll(() => {
  ses.restore();
  sesv2.restore();
});
afterAll(() => {
  ses.restore();
  sesv2.restore();
});
beforeEach(() => {
  ses.reset();
  sesv2.reset();
});

const OWNER = '111111111111';
const ACME = '222222222222';
const BETA = '333333333333';
const ARN = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;
const BRIDGE = 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake';
const BRIDGE_ACCOUNT = '444444444444';
const OWNER_BOUNCES = `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`;
const ACME_TOPIC = `arn:aws:sns:us-east-1:${ACME}:acme-feedback`;
const now = () => new Date('2026-01-15T12:00:00.000Z');

function inventory(name: string): Inventory {
  return parseInventory(JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration', name), 'utf8')), name);
}
const inventories = () => [
  inventory(`inventory-owner-${OWNER}.json`),
  inventory(`inventory-delegate-${ACME}.json`),
  inventory(`inventory-delegate-${BETA}.json`),
];
const bridgePlan = (): Plan => buildPlan(inventories(), { strategy: 'bridge', bridgeTopicArn: BRIDGE, now });
const configSetPlan = (): Plan => buildPlan(inventories(), { strategy: 'config-set', now });

function ownerTopicPlan(): Plan {
  const [owner, acme] = inventories() as [Inventory, Inventory];
  const id = owner.identities.find((i) => i.identity === 'example.com')!;
  id.authorizedDelegates = [ACME];
  id.notifications.Bounce = { topicArn: null, headersEnabled: false };
  return buildPlan([owner, acme], { strategy: 'owner-topic', now });
}

function reader(retries: RetryEvent[] = []): StateReader {
  return new StateReader(
    new SesSession({
      clients: (region) => ({ ses: new SESClient({ region }), sesv2: new SESv2Client({ region }) }),
      paceMs: 0,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
      sleep: async () => {},
      onRetry: (e) => retries.push(e),
    }),
  );
}

function attributes(
  topics: Partial<Record<'Bounce' | 'Complaint' | 'Delivery', string>>,
  headers: Partial<Record<'Bounce' | 'Complaint' | 'Delivery', boolean>> = {},
): IdentityNotificationAttributes {
  return {
    BounceTopic: topics.Bounce,
    ComplaintTopic: topics.Complaint,
    DeliveryTopic: topics.Delivery,
    ForwardingEnabled: true,
    HeadersInBounceNotificationsEnabled: headers.Bounce ?? false,
    HeadersInComplaintNotificationsEnabled: headers.Complaint ?? false,
    HeadersInDeliveryNotificationsEnabled: headers.Delivery ?? false,
  };
}

function sesError(name: string, message: string): SESServiceException {
  return new SESServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

const notFound = () => new NotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } });

describe('apply: bridge, in the owner account', () => {
  it('reads the identity once, points its topics at the intake topic, enables headers and journals each change', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({ Bounce: OWNER_BOUNCES }) } });
    const journal: JournalEntry[] = [];
    const result = await applyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['prepare', 'switch'],
      execute: true,
      journal: (e) => journal.push(e),
      now,
    });
    expect(result.ok).toBe(true);
    expect(ses).toHaveReceivedCommandTimes(GetIdentityNotificationAttributesCommand, 1);
    expect(ses).toHaveReceivedCommandWith(GetIdentityNotificationAttributesCommand, { Identities: ['example.com'] });
    expect(ses).toHaveReceivedNthCommandWith(SetIdentityNotificationTopicCommand, 1, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      SnsTopic: BRIDGE,
    });
    expect(ses).toHaveReceivedNthCommandWith(SetIdentityNotificationTopicCommand, 2, {
      Identity: 'example.com',
      NotificationType: 'Complaint',
      SnsTopic: BRIDGE,
    });
    expect(ses).toHaveReceivedNthCommandWith(SetIdentityNotificationTopicCommand, 3, {
      Identity: 'example.com',
      NotificationType: 'Delivery',
      SnsTopic: BRIDGE,
    });
    expect(ses).toHaveReceivedCommandWith(SetIdentityHeadersInNotificationsEnabledCommand, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      Enabled: true,
    });
    expect(journal.map((e) => [e.stepId, e.before, e.after])).toEqual([
      [
        '10-owner-set-bounce-topic-example.com',
        { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
      ],
      ['11-owner-enable-bounce-headers-example.com', { kind: 'flag', enabled: false }, { kind: 'flag', enabled: true }],
      [
        '12-owner-set-complaint-topic-example.com',
        { kind: 'topic', topicArn: null, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
      ],
      [
        '13-owner-set-delivery-topic-example.com',
        { kind: 'topic', topicArn: null, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
      ],
    ]);
    expect(journal[0]).toMatchObject({
      v: 1,
      planId: bridgePlan().planId,
      account: OWNER,
      region: 'us-east-1',
      at: '2026-01-15T12:00:00.000Z',
    });
    const statuses = Object.fromEntries(result.outcomes.map((o) => [o.stepId, o.status]));
    expect(statuses['04-owner-bridge-publish-policy-owner-bounces']).toBe('manual');
    expect(statuses['01-delegate-bridge-publish-policy-acme-feedback']).toBe('skipped');
    expect(statuses['17-delegate-remove-legacy-bounce-222222222222-example.com']).toBe('skipped');
  });

  it('changes nothing on a second run', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: {
        'example.com': attributes({ Bounce: BRIDGE, Complaint: BRIDGE, Delivery: BRIDGE }, { Bounce: true }),
      },
    });
    const journal: JournalEntry[] = [];
    const result = await applyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['prepare', 'switch'],
      execute: true,
      journal: (e) => journal.push(e),
    });
    expect(result.outcomes.filter((o) => o.status === 'unchanged')).toHaveLength(4);
    expect(ses).not.toHaveReceivedCommand(SetIdentityNotificationTopicCommand);
    expect(ses).not.toHaveReceivedCommand(SetIdentityHeadersInNotificationsEnabledCommand);
    expect(journal).toEqual([]);
  });

  it('only reads and reports in a dry run', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({ Bounce: OWNER_BOUNCES }) } });
    const lines: string[] = [];
    const result = await applyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['prepare', 'switch'],
      execute: false,
      progress: (l) => lines.push(l),
    });
    expect(result.outcomes.filter((o) => o.status === 'would-change')).toHaveLength(4);
    expect(ses).not.toHaveReceivedCommand(SetIdentityNotificationTopicCommand);
    expect(lines).toContain(`[2/5] 10-owner-set-bounce-topic-example.com: would change ${OWNER_BOUNCES} -> ${BRIDGE}`);
  });

  it('retries throttling with backoff and goes on', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({ Bounce: OWNER_BOUNCES }) } });
    ses
      .on(SetIdentityNotificationTopicCommand)
      .rejectsOnce(sesError('Throttling', 'Rate exceeded'))
      .rejectsOnce(sesError('Throttling', 'Rate exceeded'))
      .resolves({});
    const retries: RetryEvent[] = [];
    const r = reader(retries);
    const result = await applyPlan(bridgePlan(), { reader: r, accountId: OWNER, phases: ['switch'], execute: true });
    expect(result.ok).toBe(true);
    expect(ses).toHaveReceivedCommandTimes(SetIdentityNotificationTopicCommand, 5);
    expect(retries.map((e) => [e.label, e.attempt, e.kind])).toEqual([
      ['ses:SetIdentityNotificationTopic', 1, 'throttling'],
      ['ses:SetIdentityNotificationTopic', 2, 'throttling'],
    ]);
    expect(r.session.retries).toBe(2);
  });

  it('stops at a step SES refuses and runs none after it', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({ Bounce: OWNER_BOUNCES }) } });
    ses.on(SetIdentityNotificationTopicCommand).rejects(sesError('InvalidParameterValue', 'Invalid SNS topic'));
    const result = await applyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['switch'],
      execute: true,
    });
    expect(result.ok).toBe(false);
    expect(ses).toHaveReceivedCommandTimes(SetIdentityNotificationTopicCommand, 1);
    expect(result.outcomes.filter((o) => o.status !== 'skipped').map((o) => [o.status, o.message])).toEqual([
      ['failed', 'InvalidParameterValue: Invalid SNS topic'],
      ['not-run', 'an earlier step failed or conflicted'],
      ['not-run', 'an earlier step failed or conflicted'],
      ['not-run', 'an earlier step failed or conflicted'],
    ]);
  });

  it('fails clearly when SES does not know the identity', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({ NotificationAttributes: {} });
    const result = await applyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['switch'],
      execute: true,
    });
    expect(result.outcomes.find((o) => o.status === 'failed')!.message).toBe(
      'SES returned no notification attributes for example.com in us-east-1: is it a verified identity of this account in this region?',
    );
  });
});

describe('apply: owner-topic, in the owner account', () => {
  it("sets the delegate's topics on the identity", async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({}) } });
    const result = await applyPlan(ownerTopicPlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['prepare', 'switch'],
      execute: true,
    });
    expect(result.ok).toBe(true);
    expect(ses).toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      SnsTopic: ACME_TOPIC,
    });
    expect(ses).toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, {
      Identity: 'example.com',
      NotificationType: 'Complaint',
      SnsTopic: ACME_TOPIC,
    });
    expect(ses).toHaveReceivedCommandWith(SetIdentityHeadersInNotificationsEnabledCommand, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      Enabled: true,
    });
    expect(ses).not.toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, { NotificationType: 'Delivery' });
  });
});

describe('apply: config-set, in a delegate account', () => {
  const destination = {
    Name: 'legacy-acme-feedback',
    Enabled: true,
    MatchingEventTypes: ['COMPLAINT', 'BOUNCE'] as const,
    SnsDestination: { TopicArn: ACME_TOPIC },
  };

  it('creates the configuration set and its SNS event destination', async () => {
    sesv2.on(GetConfigurationSetCommand).rejects(notFound());
    sesv2.on(GetConfigurationSetEventDestinationsCommand).rejects(notFound());
    const journal: JournalEntry[] = [];
    const result = await applyPlan(configSetPlan(), {
      reader: reader(),
      accountId: ACME,
      phases: ['prepare', 'switch'],
      execute: true,
      journal: (e) => journal.push(e),
    });
    expect(result.ok).toBe(true);
    expect(sesv2).toHaveReceivedCommandWith(CreateConfigurationSetCommand, { ConfigurationSetName: 'legacy-feedback' });
    expect(sesv2).toHaveReceivedCommandWith(CreateConfigurationSetEventDestinationCommand, {
      ConfigurationSetName: 'legacy-feedback',
      EventDestinationName: 'legacy-acme-feedback',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
        SnsDestination: { TopicArn: ACME_TOPIC },
      },
    });
    expect(journal.map((e) => [e.before, e.after.kind])).toEqual([
      [{ kind: 'configuration-set', exists: false }, 'configuration-set'],
      [{ kind: 'event-destination', destination: null }, 'event-destination'],
    ]);
    expect(result.outcomes.filter((o) => o.status === 'manual').map((o) => o.stepId)).toEqual([
      '01-delegate-topic-policy-acme-feedback',
      '09-delegate-name-configuration-set-legacy-feedback',
    ]);
    expect(ses).not.toHaveReceivedAnyCommand();
  });

  it('leaves an identical destination alone, whatever the order of its event types', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ ConfigurationSetName: 'legacy-feedback' });
    sesv2
      .on(GetConfigurationSetEventDestinationsCommand)
      .resolves({ EventDestinations: [{ ...destination, MatchingEventTypes: ['COMPLAINT', 'BOUNCE'] }] });
    const result = await applyPlan(configSetPlan(), {
      reader: reader(),
      accountId: ACME,
      phases: ['prepare'],
      execute: true,
    });
    expect(result.outcomes.filter((o) => o.status === 'unchanged')).toHaveLength(2);
    expect(sesv2).not.toHaveReceivedCommand(CreateConfigurationSetCommand);
    expect(sesv2).not.toHaveReceivedCommand(CreateConfigurationSetEventDestinationCommand);
  });

  it('does not overwrite a destination made since the inventory, unless forced; rollback puts the old one back', async () => {
    const old = { ...destination, MatchingEventTypes: ['BOUNCE' as const], Enabled: false };
    sesv2.on(GetConfigurationSetCommand).resolves({ ConfigurationSetName: 'legacy-feedback' });
    sesv2
      .on(GetConfigurationSetEventDestinationsCommand)
      .resolvesOnce({ EventDestinations: [old] })
      .resolvesOnce({ EventDestinations: [old] })
      .resolves({ EventDestinations: [{ ...destination, MatchingEventTypes: ['BOUNCE', 'COMPLAINT'] }] });
    const plan = configSetPlan();
    const step = plan.steps.find((s) => s.action.api === 'sesv2:CreateConfigurationSetEventDestination')!;
    const refused = await applyPlan(plan, { reader: reader(), accountId: ACME, phases: ['prepare'], execute: true });
    expect(refused.ok).toBe(false);
    expect(refused.outcomes.find((o) => o.stepId === step.id)).toMatchObject({
      status: 'conflict',
      message: `live value is BOUNCE -> ${ACME_TOPIC} (disabled), but the inventory saw absent (the plan sets BOUNCE+COMPLAINT -> ${ACME_TOPIC}): changed since the inventory; not applied (inventory and plan again, or --force ${step.id})`,
    });
    expect(sesv2).not.toHaveReceivedCommand(UpdateConfigurationSetEventDestinationCommand);
    const journal: JournalEntry[] = [];
    await applyPlan(plan, {
      reader: reader(),
      accountId: ACME,
      phases: ['prepare'],
      execute: true,
      force: [step.id],
      journal: (e) => journal.push(e),
    });
    expect(sesv2).toHaveReceivedCommandWith(UpdateConfigurationSetEventDestinationCommand, {
      EventDestinationName: 'legacy-acme-feedback',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['BOUNCE', 'COMPLAINT'],
        SnsDestination: { TopicArn: ACME_TOPIC },
      },
    });
    expect(journal).toHaveLength(1);
    const result = await rollbackJournal(journal, { reader: reader(), execute: true });
    expect(result.ok).toBe(true);
    expect(sesv2).toHaveReceivedNthCommandWith(UpdateConfigurationSetEventDestinationCommand, 2, {
      EventDestination: { Enabled: false, MatchingEventTypes: ['BOUNCE'], SnsDestination: { TopicArn: ACME_TOPIC } },
    });
  });
});

describe('rollback', () => {
  const entry = (
    stepId: string,
    before: JournalEntry['before'],
    after: JournalEntry['after'],
    action: JournalEntry['action'],
  ): JournalEntry => ({
    v: 1,
    planId: 'p',
    stepId,
    account: OWNER,
    region: 'us-east-1',
    at: '2026-01-15T12:00:00.000Z',
    action,
    before,
    after,
  });
  const topicAction = (type: 'Bounce' | 'Complaint', topic: string | null) => ({
    api: 'ses:SetIdentityNotificationTopic' as const,
    params: { Identity: 'example.com', NotificationType: type, SnsTopic: topic },
  });

  it('restores before in reverse order, and skips what is already restored', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: { 'example.com': attributes({ Bounce: BRIDGE, Complaint: OWNER_BOUNCES }) },
    });
    const journal = [
      entry(
        '01',
        { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
        topicAction('Bounce', BRIDGE),
      ),
      entry(
        '02',
        { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
        topicAction('Complaint', BRIDGE),
      ),
    ];
    const undone: JournalEntry[] = [];
    const result = await rollbackJournal(journal, { reader: reader(), execute: true, journal: (e) => undone.push(e) });
    expect(result.outcomes.map((o) => [o.stepId, o.status])).toEqual([
      ['02', 'unchanged'],
      ['01', 'changed'],
    ]);
    expect(ses).toHaveReceivedCommandTimes(SetIdentityNotificationTopicCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      SnsTopic: OWNER_BOUNCES,
    });
    expect(undone.map((e) => [e.stepId, e.after])).toEqual([
      ['01', { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: false }],
    ]);
  });

  it('stops at a conflict instead of overwriting a change made by someone else', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: {
        'example.com': attributes({ Bounce: 'arn:aws:sns:us-east-1:111111111111:someone-else' }),
      },
    });
    const journal = [
      entry(
        '01',
        { kind: 'topic', topicArn: null, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
        topicAction('Complaint', BRIDGE),
      ),
      entry(
        '02',
        { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: false },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: false },
        topicAction('Bounce', BRIDGE),
      ),
    ];
    const result = await rollbackJournal(journal, { reader: reader(), execute: true });
    expect(result.ok).toBe(false);
    expect(result.outcomes.map((o) => [o.stepId, o.status, o.message])).toEqual([
      [
        '02',
        'conflict',
        `live state is arn:aws:sns:us-east-1:111111111111:someone-else, but apply left ${BRIDGE}: changed by someone else since; not overwriting it (restore ${OWNER_BOUNCES} by hand, or make it ${BRIDGE} and run rollback again)`,
      ],
      ['01', 'not-run', 'an earlier undo failed or conflicted'],
    ]);
    expect(ses).not.toHaveReceivedCommand(SetIdentityNotificationTopicCommand);
  });

  it('restores the headers flag with the topic', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': attributes({ Bounce: BRIDGE }) } });
    const journal = [
      entry(
        '01',
        { kind: 'topic', topicArn: OWNER_BOUNCES, headersEnabled: true },
        { kind: 'topic', topicArn: BRIDGE, headersEnabled: true },
        topicAction('Bounce', BRIDGE),
      ),
    ];
    await rollbackJournal(journal, { reader: reader(), execute: true });
    expect(ses).toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, {
      NotificationType: 'Bounce',
      SnsTopic: OWNER_BOUNCES,
    });
    expect(ses).toHaveReceivedCommandWith(SetIdentityHeadersInNotificationsEnabledCommand, {
      NotificationType: 'Bounce',
      Enabled: true,
    });
  });

  it('deletes a configuration set it created only once its destinations are gone', async () => {
    sesv2.on(GetConfigurationSetCommand).resolves({ ConfigurationSetName: 'legacy-feedback' });
    sesv2
      .on(GetConfigurationSetEventDestinationsCommand)
      .resolves({ EventDestinations: [{ Name: 'someone-elses', Enabled: true, MatchingEventTypes: ['OPEN'] }] });
    const create = {
      api: 'sesv2:CreateConfigurationSet' as const,
      params: { ConfigurationSetName: 'legacy-feedback' },
    };
    const result = await rollbackJournal(
      [entry('01', { kind: 'configuration-set', exists: false }, { kind: 'configuration-set', exists: true }, create)],
      { reader: reader(), execute: true },
    );
    expect(result.outcomes[0]!.message).toBe(
      'configuration set legacy-feedback still has event destinations (someone-elses) that rollback did not remove: not deleting it',
    );
    expect(sesv2).not.toHaveReceivedCommand(DeleteConfigurationSetCommand);

    sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({ EventDestinations: [] });
    const again = await rollbackJournal(
      [entry('01', { kind: 'configuration-set', exists: false }, { kind: 'configuration-set', exists: true }, create)],
      { reader: reader(), execute: true },
    );
    expect(again.ok).toBe(true);
    expect(sesv2).toHaveReceivedCommandWith(DeleteConfigurationSetCommand, { ConfigurationSetName: 'legacy-feedback' });
  });

  it('explains why a removed legacy setting does not come back', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({ NotificationAttributes: {} });
    ses
      .on(SetIdentityNotificationTopicCommand)
      .rejects(sesError('InvalidParameterValue', 'Cross-account notifications can no longer be created.'));
    const removal = {
      ...entry(
        '14',
        { kind: 'topic', topicArn: ACME_TOPIC, headersEnabled: false },
        { kind: 'topic', topicArn: null, headersEnabled: false },
        {
          api: 'ses:SetIdentityNotificationTopic',
          params: { Identity: ARN, NotificationType: 'Bounce', SnsTopic: null },
        },
      ),
      account: ACME,
    };
    const result = await rollbackJournal([removal], { reader: reader(), execute: true });
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      message:
        'InvalidParameterValue: Cross-account notifications can no longer be created. (SES no longer lets anyone create cross-account notifications, so a removed legacy setting may not come back: use the new path)',
    });
  });
});

describe('verify and the cleanup gate', () => {
  it('reports drift per step', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: { 'example.com': attributes({ Bounce: BRIDGE, Complaint: BRIDGE }, { Bounce: true }) },
    });
    const report = await verifyPlan(bridgePlan(), {
      reader: reader(),
      accountId: OWNER,
      phases: ['prepare', 'switch'],
      sendTest: false,
      now,
    });
    expect(report.passed).toBe(false);
    expect(report.checks.map((c) => [c.stepId, c.status])).toEqual([
      ['04-owner-bridge-publish-policy-owner-bounces', 'manual'],
      ['10-owner-set-bounce-topic-example.com', 'ok'],
      ['11-owner-enable-bounce-headers-example.com', 'ok'],
      ['12-owner-set-complaint-topic-example.com', 'ok'],
      ['13-owner-set-delivery-topic-example.com', 'drift'],
    ]);
    expect(report.checks[4]!.message).toBe(`expected ${BRIDGE}, found no topic`);
  });

  it("requires a passing report of the plan from each account the delegate's cleanup depends on, and its own canary", () => {
    const plan = bridgePlan();
    const report = (over: Partial<VerifyReport>): VerifyReport => ({
      v: 1,
      planId: plan.planId,
      accountId: OWNER,
      checkedAt: new Date().toISOString(),
      phases: ['prepare', 'switch'],
      passed: true,
      checks: [],
      sendTests: [],
      canary: null,
      ...over,
    });
    const canary = (passed: boolean): VerifyReport['canary'] => ({
      passed,
      timeoutMs: 300_000,
      interrupted: false,
      destinations: [{ topicArn: ACME_TOPIC, format: 'notification', queueArn: 'q', passed, duplicates: 0, types: [] }],
    });
    const acmeCanary = report({ accountId: ACME, phases: ['prepare', 'switch'], canary: canary(true) });
    // The bridge operator's report, read back after the cutover: the delegate's route is live.
    const cutover = report({ accountId: BRIDGE_ACCOUNT, phases: ['prepare', 'switch', 'cutover'] });
    const noCanary = `no passing canary of account ${ACME} for ${ACME_TOPIC}: run "ses-bridge migrate verify --plan plan.json --account-id ${ACME} --canary --out verify-${ACME}.json" with ${ACME}'s credentials and pass the file with --verified`;
    expect(
      cleanupGate(
        plan,
        ACME,
        [
          report({ checkedAt: '2026-01-01T00:00:00.000Z' }),
          { ...acmeCanary, checkedAt: '2026-01-15T11:00:00.000Z' },
          { ...cutover, checkedAt: '2026-01-15T11:00:00.000Z' },
        ],
        new Date('2026-01-15T12:00:00.000Z'),
      ),
    ).toEqual([
      `the verify report of ${OWNER} was made at 2026-01-01T00:00:00.000Z, more than a day ago: verify again`,
      expect.stringContaining(`no passing verify report of account ${OWNER}`),
    ]);
    expect(cleanupGate(plan, ACME, [])).toEqual([
      noCanary,
      `no passing verify report of account ${OWNER} for this plan: run "ses-bridge migrate verify --plan plan.json --account-id ${OWNER} --send-test --out verify-${OWNER}.json" with ${OWNER}'s credentials and pass the file with --verified`,
      `no passing verify report of account ${BRIDGE_ACCOUNT} covering the cutover: the delegates' routes must be live before the legacy path is removed; once "apply --phase cutover" ran and the routes file is deployed, run "ses-bridge migrate verify --plan plan.json --account-id ${BRIDGE_ACCOUNT} --phase prepare,switch,cutover --routes routes.json --out verify-${BRIDGE_ACCOUNT}.json" with ${BRIDGE_ACCOUNT}'s credentials and pass the file with --verified`,
    ]);
    // Before the cutover: the bridge account's report covers prepare and switch only, or its cutover check drifted.
    const beforeCutover = [report({}), acmeCanary, report({ accountId: BRIDGE_ACCOUNT })];
    expect(cleanupGate(plan, ACME, beforeCutover)).toEqual([
      expect.stringContaining(`no passing verify report of account ${BRIDGE_ACCOUNT} covering the cutover`),
    ]);
    expect(cleanupGate(plan, ACME, [report({}), acmeCanary, { ...cutover, passed: false }])).toHaveLength(1);
    expect(cleanupGate(plan, ACME, [report({ passed: false }), acmeCanary, cutover])).toHaveLength(1);
    expect(cleanupGate(plan, ACME, [report({ planId: 'other' }), acmeCanary, cutover])[0]).toBe(
      `the verify report of ${OWNER} is for plan other, not ${plan.planId}`,
    );
    expect(cleanupGate(plan, ACME, [report({}), cutover])).toEqual([noCanary]);
    expect(cleanupGate(plan, ACME, [report({}), report({ accountId: ACME, canary: canary(false) }), cutover])).toEqual([
      noCanary,
    ]);
    expect(cleanupGate(plan, ACME, [report({}), acmeCanary, cutover])).toEqual([]);
    // config-set: a delegate's cleanup depends on its own steps only (and its own canary).
    const cs = configSetPlan();
    expect(cleanupGate(cs, ACME, [])).toEqual([
      noCanary,
      `no passing verify report of account ${ACME} for this plan: run "ses-bridge migrate verify --plan plan.json --account-id ${ACME} --send-test --out verify-${ACME}.json" with ${ACME}'s credentials and pass the file with --verified`,
    ]);
  });
});

describe('withRetry', () => {
  it('backs off exponentially with jitter and gives up after the last attempt', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(sesError('Throttling', 'Rate exceeded'));
    };
    await expect(
      withRetry(
        'x',
        failing,
        { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 },
        async (ms) => void delays.push(ms),
        undefined,
        () => 1,
      ),
    ).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(5);
    expect(delays).toEqual([100, 200, 400, 500]);
  });

  it('does not retry a client error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        'x',
        () => (calls++, Promise.reject(sesError('InvalidParameterValue', 'bad'))),
        { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
        async () => {},
      ),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });
});
