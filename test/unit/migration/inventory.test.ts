import { GetIdentityNotificationAttributesCommand, ListIdentitiesCommand, SESClient } from '@aws-sdk/client-ses';
import {
  GetConfigurationSetEventDestinationsCommand,
  GetEmailIdentityCommand,
  GetEmailIdentityPoliciesCommand,
  ListConfigurationSetsCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { buildInventory } from '#lib/migration/inventory';
import { parseInventory, parseInventoryText } from '#lib/migration/inventory-file';
import { policyPrincipals } from '#lib/migration/policies';
import { SesSession } from '#lib/migration/ses';

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
  sesv2.on(ListConfigurationSetsCommand).resolves({ ConfigurationSets: [] });
  sesv2.on(GetEmailIdentityCommand).resolves({});
  sesv2.on(GetEmailIdentityPoliciesCommand).resolves({ Policies: {} });
});

const OWNER = '111111111111';
const ACME = '222222222222';
const now = () => new Date('2026-01-15T12:00:00.000Z');
// SES answers with the topics it has; the SDK types mark the three topic members as present.
const NO_TOPICS = { BounceTopic: undefined, ComplaintTopic: undefined, DeliveryTopic: undefined };

/** A clock that only the session's sleeps move: pacing is asserted on it, not on wall-clock time. */
interface FakeClock {
  ms: number;
}

function session(sleeps: number[] = [], paceMs = 0, clock: FakeClock = { ms: 0 }): SesSession {
  return new SesSession({
    clients: (region) => ({ ses: new SESClient({ region }), sesv2: new SESv2Client({ region }) }),
    paceMs,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.ms += ms;
    },
    now: () => clock.ms,
  });
}

function policy(...principals: unknown[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: principals.map((p, i) => ({
      Sid: `s${i}`,
      Effect: 'Allow',
      Principal: p,
      Action: ['ses:SendEmail', 'ses:SendRawEmail'],
      Resource: `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`,
    })),
  });
}

describe('inventory: the owner', () => {
  it('reads topics, headers, forwarding, default configuration set and delegates, and derives the account from the policies', async () => {
    ses.on(ListIdentitiesCommand).resolves({ Identities: ['example.com'] });
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: {
        'example.com': {
          BounceTopic: `arn:aws:sns:us-east-1:${OWNER}:bounces`,
          ComplaintTopic: '',
          DeliveryTopic: undefined,
          ForwardingEnabled: false,
          HeadersInBounceNotificationsEnabled: true,
          HeadersInComplaintNotificationsEnabled: false,
          HeadersInDeliveryNotificationsEnabled: false,
        },
      },
    });
    // GetEmailIdentity without Policies: the policies come from GetEmailIdentityPolicies.
    sesv2.on(GetEmailIdentityCommand).resolves({ ConfigurationSetName: 'defaults' });
    sesv2
      .on(GetEmailIdentityPoliciesCommand)
      .resolves({ Policies: { delegates: policy({ AWS: [ACME, 'arn:aws:iam::333333333333:user/mailer', OWNER] }) } });
    sesv2.on(ListConfigurationSetsCommand).resolves({ ConfigurationSets: ['defaults'] });
    sesv2.on(GetConfigurationSetEventDestinationsCommand).resolves({
      EventDestinations: [
        {
          Name: 'all',
          Enabled: true,
          MatchingEventTypes: ['BOUNCE'],
          SnsDestination: { TopicArn: `arn:aws:sns:us-east-1:${OWNER}:events` },
        },
      ],
    });
    const inventory = await buildInventory({
      session: session(),
      region: 'us-east-1',
      accountId: null,
      identities: 'all',
      now,
    });
    expect(inventory).toEqual({
      accountId: OWNER,
      region: 'us-east-1',
      generatedAt: '2026-01-15T12:00:00.000Z',
      identities: [
        {
          identity: 'example.com',
          identityArn: `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`,
          ownerAccountId: OWNER,
          notifications: {
            Bounce: { topicArn: `arn:aws:sns:us-east-1:${OWNER}:bounces`, headersEnabled: true },
            Complaint: { topicArn: null, headersEnabled: false },
            Delivery: { topicArn: null, headersEnabled: false },
          },
          forwardingEnabled: false,
          authorizedDelegates: [ACME, '333333333333'],
          configurationSet: 'defaults',
        },
      ],
      configurationSets: [
        {
          name: 'defaults',
          eventDestinations: [
            {
              name: 'all',
              enabled: true,
              matchingEventTypes: ['BOUNCE'],
              snsTopicArn: `arn:aws:sns:us-east-1:${OWNER}:events`,
            },
          ],
        },
      ],
      warnings: [],
    });
    // The inventory it writes is a valid inventory file.
    expect(parseInventory(JSON.parse(JSON.stringify(inventory)), 'owner.json')).toEqual(inventory);
  });

  it('takes the policies from GetEmailIdentity when SES includes them there', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': { ...NO_TOPICS, ForwardingEnabled: true } } });
    sesv2.on(GetEmailIdentityCommand).resolves({ Policies: { p: policy({ AWS: ACME }) } });
    const inventory = await buildInventory({
      session: session(),
      region: 'us-east-1',
      accountId: OWNER,
      identities: ['example.com'],
    });
    expect(inventory.identities[0]!.authorizedDelegates).toEqual([ACME]);
    expect(sesv2).not.toHaveReceivedCommand(GetEmailIdentityPoliciesCommand);
  });

  it('asks 100 identities per call and paces the calls one second apart', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `user${i}@example.com`);
    const clock: FakeClock = { ms: 0 };
    const calledAt: number[] = [];
    ses.on(GetIdentityNotificationAttributesCommand).callsFake((input: { Identities: string[] }) => {
      calledAt.push(clock.ms);
      return {
        NotificationAttributes: Object.fromEntries(
          input.Identities.map((n) => [n, { ...NO_TOPICS, ForwardingEnabled: true }]),
        ),
      };
    });
    const sleeps: number[] = [];
    const inventory = await buildInventory({
      session: session(sleeps, 1000, clock),
      region: 'us-east-1',
      accountId: OWNER,
      identities: names,
      now,
    });
    expect(inventory.identities).toHaveLength(250);
    const calls = ses
      .commandCalls(GetIdentityNotificationAttributesCommand)
      .map((c) => c.args[0].input.Identities!.length);
    expect(calls).toEqual([100, 100, 50]);
    // The first call goes at once; each next one waits out the rest of the second since the one before.
    expect(calledAt).toEqual([0, 1000, 2000]);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('says what to do when the account cannot be derived, and when --account-id contradicts a policy', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': { ...NO_TOPICS, ForwardingEnabled: true } } });
    await expect(
      buildInventory({ session: session(), region: 'us-east-1', accountId: null, identities: ['example.com'] }),
    ).rejects.toThrow(
      new ConfigError(
        'cannot be derived: no sending authorization policy names an identity ARN of this account; pass --account-id with the 12-digit id of the account whose credentials you use (aws sts get-caller-identity --query Account --output text)',
        '--account-id',
      ),
    );
    sesv2.on(GetEmailIdentityPoliciesCommand).resolves({ Policies: { p: policy({ AWS: ACME }) } });
    await expect(
      buildInventory({
        session: session(),
        region: 'us-east-1',
        accountId: '999999999999',
        identities: ['example.com'],
      }),
    ).rejects.toThrow(
      `--account-id: is 999999999999, but the policy of example.com names arn:aws:ses:us-east-1:${OWNER}:identity/example.com of account ${OWNER}: are the credentials for another account?`,
    );
  });

  it('notes identities SES does not know and policies it cannot reduce to accounts', async () => {
    ses
      .on(GetIdentityNotificationAttributesCommand)
      .resolves({ NotificationAttributes: { 'example.com': { ...NO_TOPICS, ForwardingEnabled: true } } });
    sesv2.on(GetEmailIdentityPoliciesCommand).resolves({ Policies: { org: policy('*') } });
    const inventory = await buildInventory({
      session: session(),
      region: 'us-east-1',
      accountId: OWNER,
      identities: ['example.com', 'unknown.example'],
    });
    expect(inventory.warnings).toEqual([
      'example.com: policy "org" allows principal "*" (for example with aws:PrincipalOrgID); list those delegates\' accounts yourself',
      'unknown.example: SES returned no notification attributes (not a verified identity of this account in us-east-1?); skipped',
    ]);
  });

  it('reads every page of ListIdentities', async () => {
    ses
      .on(ListIdentitiesCommand)
      .resolvesOnce({ Identities: ['a.example'], NextToken: 't' })
      .resolves({ Identities: ['b.example'] });
    ses.on(GetIdentityNotificationAttributesCommand).resolves({ NotificationAttributes: {} });
    await buildInventory({ session: session(), region: 'us-east-1', accountId: OWNER, identities: 'all' });
    expect(ses).toHaveReceivedNthCommandWith(ListIdentitiesCommand, 2, { NextToken: 't' });
    expect(ses).toHaveReceivedCommandWith(GetIdentityNotificationAttributesCommand, {
      Identities: ['a.example', 'b.example'],
    });
  });
});

describe('inventory: a delegate', () => {
  const arn = `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`;

  it("reads its cross-account topics on the owner's identity ARN, and nothing it cannot see", async () => {
    ses.on(GetIdentityNotificationAttributesCommand).resolves({
      NotificationAttributes: {
        [arn]: {
          ...NO_TOPICS,
          BounceTopic: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`,
          ForwardingEnabled: true,
          HeadersInBounceNotificationsEnabled: true,
        },
      },
    });
    sesv2.on(GetEmailIdentityCommand).rejects(new NotFoundException({ message: 'no', $metadata: {} }));
    const inventory = await buildInventory({
      session: session(),
      region: 'us-east-1',
      accountId: ACME,
      identities: [arn, `arn:aws:ses:us-east-1:${OWNER}:identity/other.example`],
      now,
    });
    expect(inventory.identities).toEqual([
      {
        identity: 'example.com',
        identityArn: arn,
        ownerAccountId: OWNER,
        notifications: {
          Bounce: { topicArn: `arn:aws:sns:us-east-1:${ACME}:acme-feedback`, headersEnabled: true },
          Complaint: { topicArn: null, headersEnabled: false },
          Delivery: { topicArn: null, headersEnabled: false },
        },
        forwardingEnabled: true,
        authorizedDelegates: [],
        configurationSet: null,
      },
    ]);
    expect(inventory.warnings).toEqual([
      `arn:aws:ses:us-east-1:${OWNER}:identity/other.example: SES returned no notification attributes (no cross-account settings, or the owner does not authorize ${ACME}); skipped`,
    ]);
    expect(sesv2).not.toHaveReceivedCommand(GetEmailIdentityCommand);
  });

  it('needs --account-id with identity ARNs, and the ARNs in the --region', async () => {
    await expect(
      buildInventory({ session: session(), region: 'us-east-1', accountId: null, identities: [arn] }),
    ).rejects.toThrow('--account-id: identity ARNs were given, so the tool must know which account is yours');
    await expect(
      buildInventory({ session: session(), region: 'eu-west-1', accountId: ACME, identities: [arn] }),
    ).rejects.toThrow(`--identities: ${arn} is in us-east-1, but --region is eu-west-1: run one inventory per region`);
    await expect(
      buildInventory({
        session: session(),
        region: 'us-east-1',
        accountId: ACME,
        identities: ['arn:aws:sns:us-east-1:1:x'],
      }),
    ).rejects.toThrow(
      '--identities: "arn:aws:sns:us-east-1:1:x" is not an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<name>)',
    );
  });
});

describe('inventory files', () => {
  const valid = () => ({
    accountId: ACME,
    region: 'us-east-1',
    generatedAt: '2026-01-15T12:00:00.000Z',
    identities: [
      {
        identity: 'example.com',
        identityArn: `arn:aws:ses:us-east-1:${OWNER}:identity/example.com`,
        ownerAccountId: OWNER,
        notifications: {
          Bounce: { topicArn: `arn:aws:sns:us-east-1:${ACME}:t`, headersEnabled: false },
          Complaint: { topicArn: null, headersEnabled: false },
          Delivery: { topicArn: null, headersEnabled: false },
        },
        forwardingEnabled: true,
        authorizedDelegates: [],
        configurationSet: null,
      },
    ],
    configurationSets: [],
  });

  it.each([
    [
      (d: any) => (d.identities[0].notifications.Bounce.topicArn = 'arn:aws:sns:us-east-1:1:t.fifo'),
      'delegate.json: identities[0].notifications.Bounce.topicArn must be a standard SNS topic ARN or null, got "arn:aws:sns:us-east-1:1:t.fifo"',
    ],
    [
      (d: any) => (d.identities[0].notifications.Bounce.topicArn = `arn:aws:sns:eu-west-1:${ACME}:t`),
      "delegate.json: identities[0].notifications.Bounce.topicArn is in eu-west-1; SES notification topics must be in the identity's region us-east-1",
    ],
    [
      (d: any) => delete d.identities[0].notifications.Delivery,
      'delegate.json: identities[0].notifications.Delivery must be an object with topicArn and headersEnabled, got nothing',
    ],
    [
      (d: any) => (d.identities[0].ownerAccountId = ACME),
      `delegate.json: identities[0].ownerAccountId is ${ACME}, but the identity ARN belongs to ${OWNER}`,
    ],
    [(d: any) => (d.accountId = '12'), 'delegate.json: accountId must be a 12-digit account id, got "12"'],
    [
      (d: any) => d.identities.push(d.identities[0]),
      `delegate.json: identities[1].identityArn arn:aws:ses:us-east-1:${OWNER}:identity/example.com is listed twice`,
    ],
  ])('names the file and field of an error (%#)', (spoil, message) => {
    const doc = valid();
    spoil(doc);
    expect(() => parseInventory(doc, 'delegate.json')).toThrow(message);
  });

  it('rejects text that is not JSON, keeping the parser error as its cause', () => {
    expect(() => parseInventoryText('{', 'x.json')).toThrow(/^x\.json: is not valid JSON/);
    try {
      parseInventoryText('{', 'x.json');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).cause).toBeInstanceOf(SyntaxError);
    }
    expect.assertions(3);
  });
});

describe('policy principals', () => {
  it('reduces Allow statements of send actions to accounts, and notes what it cannot', () => {
    const deny = JSON.stringify({
      Statement: [{ Effect: 'Deny', Principal: { AWS: '444444444444' }, Action: 'ses:SendEmail', Resource: '*' }],
    });
    const other = JSON.stringify({
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: '555555555555' },
        Action: 'ses:GetIdentityPolicies',
        Resource: '*',
      },
    });
    const service = JSON.stringify({
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'cognito-idp.amazonaws.com' }, Action: 'ses:Send*', Resource: '*' },
      ],
    });
    expect(
      policyPrincipals({
        a: policy({ AWS: 'arn:aws:iam::222222222222:role/x' }),
        b: deny,
        c: other,
        d: service,
        e: 'not json',
      }),
    ).toEqual({
      accounts: [ACME],
      resources: [`arn:aws:ses:us-east-1:${OWNER}:identity/example.com`],
      notes: [
        'policy "d" authorizes the service "cognito-idp.amazonaws.com"; services have no cross-account notifications to migrate',
        'policy "e" is not valid JSON; its principals are unknown',
      ],
    });
  });
});
