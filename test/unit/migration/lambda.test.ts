import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GetIdentityNotificationAttributesCommand,
  SESClient,
  SetIdentityNotificationTopicCommand,
} from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { MigrationRefusal } from '#lib/migration/errors';
import { parseInventory } from '#lib/migration/inventory-file';
import { buildPlan } from '#lib/migration/plan';
import { REPO_ROOT } from '#test/support/fixtures';
import { handler } from '../../../functions/migrate';

const ses = mockClient(SESClient);
const sesv2 = mockClient(SESv2Client);
const sts = mockClient(STSClient);
afterAll(() => {
  ses.restore();
  sesv2.restore();
  sts.restore();
  delete process.env.MIGRATION_PACE_MS;
});
beforeEach(() => {
  ses.reset();
  sesv2.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWNER });
  process.env.MIGRATION_PACE_MS = '0';
});

const OWNER = '111111111111';
const ACME = '222222222222';
const BRIDGE = 'arn:aws:sns:us-east-1:444444444444:ses-bridge-intake';
const context = (account: string) =>
  ({ invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:ses-bridge-migrate` }) as Context;
const inventories = () =>
  [`inventory-owner-${OWNER}.json`, `inventory-delegate-${ACME}.json`, 'inventory-delegate-333333333333.json'].map(
    (name) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/migration', name), 'utf8')),
  );
const plan = () =>
  buildPlan(
    inventories().map((doc, i) => parseInventory(doc, String(i))),
    { strategy: 'bridge', bridgeTopicArn: BRIDGE },
  );
const switchStep = () => plan().steps.find((s) => s.phase === 'switch')!;
/** The plan as the event carries it: plan.json's JSON. */
const doc = (p = plan()) => JSON.parse(JSON.stringify(p));
const attributes = {
  'example.com': {
    BounceTopic: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
    ComplaintTopic: undefined,
    DeliveryTopic: undefined,
    ForwardingEnabled: true,
  },
};

describe('functions/migrate', () => {
  it('applies one step only with "execute": true, and returns its journal entry', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({ NotificationAttributes: attributes });
    const p = plan();
    const dry = (await handler({ action: 'apply', plan: doc(p), stepId: switchStep().id }, context(OWNER))) as any;
    expect(dry.outcome.status).toBe('would-change');
    expect(ses).not.toHaveReceivedCommand(SetIdentityNotificationTopicCommand);
    const done = (await handler(
      { action: 'apply', plan: doc(p), stepId: switchStep().id, execute: true },
      context(OWNER),
    )) as any;
    expect(done.outcome.status).toBe('changed');
    expect(done.journal).toMatchObject({
      planId: p.planId,
      stepId: switchStep().id,
      before: { topicArn: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces` },
      after: { topicArn: BRIDGE },
    });
    expect(ses).toHaveReceivedCommandWith(SetIdentityNotificationTopicCommand, {
      Identity: 'example.com',
      NotificationType: 'Bounce',
      SnsTopic: BRIDGE,
    });

    // The journal entry it returned is what a rollback invocation takes.
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': { ...attributes['example.com'], BounceTopic: BRIDGE } } });
    const undone = (await handler(
      { action: 'rollback', plan: doc(p), entry: done.journal, execute: true },
      context(OWNER),
    )) as any;
    expect(undone.outcome.status).toBe('changed');
    expect(ses).toHaveReceivedNthCommandWith(SetIdentityNotificationTopicCommand, 2, {
      SnsTopic: `arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
    });
  });

  it("refuses a step of another account, and a cleanup step without the owner's passing verify report", async () => {
    const p = plan();
    await expect(handler({ action: 'apply', plan: doc(p), stepId: switchStep().id }, context(ACME))).rejects.toThrow(
      `step ${switchStep().id} runs in account ${OWNER}; this function runs in ${ACME}`,
    );
    const cleanup = p.steps.find((s) => s.phase === 'cleanup' && s.account === ACME)!;
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACME });
    const refusal = await handler(
      { action: 'apply', plan: doc(p), stepId: cleanup.id, execute: true },
      context(ACME),
    ).catch((e: Error) => e);
    expect(refusal).toBeInstanceOf(MigrationRefusal);
    expect((refusal as MigrationRefusal).reasons.join('\n')).toContain(
      `no passing verify report of account ${OWNER} for this plan`,
    );
    // The CLI's gate, hint included: one cleanup gate for both.
    expect((refusal as MigrationRefusal).hint).toBe(
      'Cleanup removes the legacy cross-account settings for good; it runs only after verify passed everywhere.',
    );
  });

  it("refuses a cutover step: it edits the bridge's routes file, which only the CLI has", async () => {
    const p = plan();
    const cutover = p.steps.find((s) => s.phase === 'cutover')!;
    await expect(
      handler({ action: 'apply', plan: doc(p), stepId: cutover.id, execute: true }, context('444444444444')),
    ).rejects.toThrow(
      `step ${cutover.id} is a cutover step: it edits the bridge's routes file, so it runs with ses-bridge migrate apply --phase cutover --routes FILE, not in this function`,
    );
    expect(sts).not.toHaveReceivedAnyCommand();
  });

  it("refuses to read or change anything when the role's credentials are of another account than the function", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACME });
    const p = plan();
    for (const event of [
      { action: 'apply', plan: doc(p), stepId: switchStep().id, execute: true },
      { action: 'verify', plan: doc(p), stepId: switchStep().id },
      { action: 'inventory', region: 'us-east-1', identity: 'example.com' },
    ])
      await expect(handler(event, context(OWNER))).rejects.toThrow(
        `the credentials in use are of account ${ACME}, but the function's account (from its ARN) is ${OWNER}: nothing was read or changed`,
      );
    expect(ses).not.toHaveReceivedAnyCommand();
    expect(sesv2).not.toHaveReceivedAnyCommand();
  });

  it('verifies one step and throws on drift', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({ NotificationAttributes: attributes });
    await expect(handler({ action: 'verify', plan: doc(), stepId: switchStep().id }, context(OWNER))).rejects.toThrow(
      `expected ${BRIDGE}, found arn:aws:sns:us-east-1:${OWNER}:owner-bounces`,
    );
  });

  it('reads one identity, and leaves planning to the CLI', async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: {
        [`arn:aws:ses:us-east-1:${OWNER}:identity/example.com`]: {
          ...attributes['example.com'],
          BounceTopic: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
        },
      },
    });
    sesv2.onAnyCommand().resolves({});
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACME });
    const read = (await handler(
      { action: 'inventory', region: 'us-east-1', identity: `arn:aws:ses:us-east-1:${OWNER}:identity/example.com` },
      context(ACME),
    )) as any;
    expect(read.identity.notifications.Bounce.topicArn).toBe(`arn:aws:sns:us-east-1:${ACME}:acme-feedback`);
    expect(sesv2).not.toHaveReceivedAnyCommand();
    await expect(
      handler(
        { action: 'plan', inventories: inventories(), strategy: 'bridge', bridgeTopicArn: BRIDGE },
        context(OWNER),
      ),
    ).rejects.toThrow(
      'event.action: must be "inventory", "apply", "verify" or "rollback" (plans are made with "ses-bridge migrate plan"), got "plan"',
    );
  });

  it('takes the account from MIGRATION_ACCOUNT_ID where the context has no function ARN (invoke local)', async () => {
    await expect(handler({ action: 'verify', plan: doc(), stepId: switchStep().id }, {} as Context)).rejects.toThrow(
      'MIGRATION_ACCOUNT_ID: cannot tell which account this function runs in (function ARN null)',
    );
    process.env.MIGRATION_ACCOUNT_ID = ACME;
    try {
      await expect(handler({ action: 'verify', plan: doc(), stepId: switchStep().id }, {} as Context)).rejects.toThrow(
        `runs in account ${OWNER}; this function runs in ${ACME}`,
      );
    } finally {
      delete process.env.MIGRATION_ACCOUNT_ID;
    }
  });

  it('says which field of a bad event to fix', async () => {
    await expect(handler({ action: 'migrate' }, context(OWNER))).rejects.toThrow(
      'event.action: must be "inventory", "apply", "verify" or "rollback" (plans are made with "ses-bridge migrate plan"), got "migrate"',
    );
    const p = plan();
    await expect(handler({ action: 'apply', plan: doc(p), stepId: 'nope' }, context(OWNER))).rejects.toThrow(
      `event.stepId: plan ${p.planId} has no step "nope"`,
    );
    await expect(
      handler({ action: 'apply', plan: { ...doc(p), steps: [] }, stepId: 'nope' }, context(OWNER)),
    ).rejects.toThrow(
      'event.plan: digest does not match the plan\'s content: plan.json was edited after "ses-bridge migrate plan" wrote it; run plan again instead of editing',
    );
  });
});
