/**
 * A small SES-compatible server for tests, on 127.0.0.1 only. It speaks what the real SDK clients speak:
 * - SES v1 (2010-12-01), awsQuery: form-encoded `Action=...` POSTs to `/`, XML answers `<XResponse><XResult>...`, XML
 *   errors `<ErrorResponse><Error><Code>` (read by AwsQueryProtocol in @aws-sdk/core);
 * - SESv2, REST JSON under `/v2/email/...`, errors as HTTP status + `x-amzn-ErrorType` + `{"message"}`.
 *
 * It models several accounts at once, told apart by the access key id the request is signed with
 * (`credentials(account)`, test/support/local-accounts.ts), and answers STS `GetCallerIdentity` for those keys; an
 * unknown key gets the error AWS gives. The region comes from the SigV4 credential scope.
 *
 * Modelled: identities with owner accounts, their notification topics, headers flags, forwarding, sending
 * authorization policies and default configuration set; legacy cross-account notification settings a delegate made
 * on an owner's identity ARN (existing ones can be changed and cleared, new ones cannot be created: the current SES
 * behaviour, sending-authorization-delegate-sender-tasks-notifications); configuration sets with event destinations;
 * SendEmail with SourceArn/ConfigurationSetName, recording where SES would publish the feedback. Assumptions where
 * AWS documents nothing are marked "assumption".
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalAccounts, sigV4Scope } from '#test/support/local-accounts';

export const TYPES = ['Bounce', 'Complaint', 'Delivery'] as const;
export type FakeNotificationType = (typeof TYPES)[number];
type PerType<T> = Record<FakeNotificationType, T>;

export interface FakeIdentity {
  region: string;
  accountId: string;
  name: string;
  topics: PerType<string | null>;
  headers: PerType<boolean>;
  forwardingEnabled: boolean;
  /** Policy name to policy JSON text. */
  policies: Record<string, string>;
  configurationSet: string | null;
}

export interface FakeCrossAccount {
  delegateAccountId: string;
  identityArn: string;
  topics: PerType<string | null>;
  headers: PerType<boolean>;
}

export interface FakeEventDestination {
  Name: string;
  Enabled: boolean;
  MatchingEventTypes: string[];
  SnsDestination?: { TopicArn: string };
}

export interface FakeConfigurationSet {
  region: string;
  accountId: string;
  name: string;
  eventDestinations: FakeEventDestination[];
}

/** Where SES would publish the feedback of a sent message (a model of the routing, not of SNS). */
export interface FakeFeedback {
  type: FakeNotificationType;
  via: 'identity' | 'cross-account' | 'configuration-set';
  topicArn: string;
}

export interface FakeSentMessage {
  accountId: string;
  region: string;
  messageId: string;
  from: string;
  to: string[];
  sourceArn: string | null;
  configurationSetName: string | null;
  identityArn: string;
  feedback: FakeFeedback[];
}

export interface FakeCall {
  accountId: string;
  region: string;
  api: string;
  at: number;
}

interface Fault {
  api: string;
  code: string;
  remaining: number;
}

/** An error answered in the protocol of the request. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const V1_XMLNS = 'http://ses.amazonaws.com/doc/2010-12-01/';
// SES v1 operations limited to one call per second (SES API reference).
const PACED_V1 = new Set([
  'GetIdentityNotificationAttributes',
  'SetIdentityNotificationTopic',
  'SetIdentityHeadersInNotificationsEnabled',
  'SetIdentityFeedbackForwardingEnabled',
]);
const V2_EVENT_TYPES = [
  'SEND',
  'REJECT',
  'BOUNCE',
  'COMPLAINT',
  'DELIVERY',
  'OPEN',
  'CLICK',
  'RENDERING_FAILURE',
  'DELIVERY_DELAY',
  'SUBSCRIPTION',
];
const IDENTITY_ARN = /^arn:aws:ses:([a-z0-9-]+):(\d{12}):identity\/(.+)$/;
const TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function emptyTopics(): PerType<string | null> {
  return { Bounce: null, Complaint: null, Delivery: null };
}

function noHeaders(): PerType<boolean> {
  return { Bounce: false, Complaint: false, Delivery: false };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `Identities.member.1=a&Identities.member.2=b` to ['a', 'b']. */
function memberList(form: URLSearchParams, prefix: string): string[] {
  const items: Array<[number, string]> = [];
  for (const [key, value] of form) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`).exec(key);
    if (m) items.push([Number(m[1]), value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** A list request's JSON body (`{NextToken, PageSize}`) as query parameters. */
function bodyQuery(input: Record<string, any>): URLSearchParams {
  const query = new URLSearchParams();
  if (input.NextToken !== undefined) query.set('NextToken', String(input.NextToken));
  if (input.PageSize !== undefined) query.set('PageSize', String(input.PageSize));
  return query;
}

export interface FakeSesOptions {
  /** The accounts to serve; each gets its own key pair (`credentials(account)`). */
  accounts: string[];
}

export class FakeSes {
  readonly identities = new Map<string, FakeIdentity>();
  readonly crossAccount = new Map<string, FakeCrossAccount>();
  readonly configurationSets = new Map<string, FakeConfigurationSet>();
  readonly sent: FakeSentMessage[] = [];
  readonly calls: FakeCall[] = [];
  /** When > 0, paced SES v1 calls closer than this (per account and region) get `Throttling`, as SES would. */
  v1IntervalMs = 0;
  /**
   * Where SES publishes the feedback of a sent message (set it to deliver to the SNS test server, see
   * fake-ses-feedback.ts), called `feedbackDelayMs` after SendEmail answered, once per feedback item and recipient.
   */
  onFeedback: ((sent: FakeSentMessage, feedback: FakeFeedback, recipient: string) => void) | undefined;
  feedbackDelayMs = 20;
  private readonly lastPaced = new Map<string, number>();
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private url = '';

  private constructor(readonly accounts: LocalAccounts) {}

  /** Starts one listener on 127.0.0.1; callers act as the account their access key id belongs to. */
  static async start(options: FakeSesOptions): Promise<FakeSes> {
    const fake = new FakeSes(new LocalAccounts(options.accounts));
    const server = createServer((req, res) => {
      fake.handle(req, res).catch((err) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The endpoint URL (SES v1, SESv2 and STS). */
  endpoint(): string {
    return this.url;
  }

  /** The key pair whose caller acts as `account`. */
  credentials(account: string): { accessKeyId: string; secretAccessKey: string } {
    return this.accounts.credentials(account);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- seeding and inspection ------------------------------------------------------------------------------------

  addIdentity(
    identity: Partial<Omit<FakeIdentity, 'topics' | 'headers'>> &
      Pick<FakeIdentity, 'region' | 'accountId' | 'name'> & {
        topics?: Partial<FakeIdentity['topics']>;
        headers?: Partial<FakeIdentity['headers']>;
      },
  ): FakeIdentity {
    const full: FakeIdentity = {
      forwardingEnabled: true,
      policies: {},
      configurationSet: null,
      ...identity,
      topics: { ...emptyTopics(), ...identity.topics },
      headers: { ...noHeaders(), ...identity.headers },
    };
    this.identities.set(`${full.region}|${full.accountId}|${full.name}`, full);
    return full;
  }

  /** A legacy cross-account setting, as the classic console created them. */
  addCrossAccount(setting: {
    delegateAccountId: string;
    identityArn: string;
    topics: Partial<PerType<string | null>>;
    headers?: Partial<PerType<boolean>>;
  }): void {
    this.crossAccount.set(`${setting.delegateAccountId}|${setting.identityArn}`, {
      delegateAccountId: setting.delegateAccountId,
      identityArn: setting.identityArn,
      topics: { ...emptyTopics(), ...setting.topics },
      headers: { ...noHeaders(), ...setting.headers },
    });
  }

  addConfigurationSet(
    set: Omit<FakeConfigurationSet, 'eventDestinations'> & { eventDestinations?: FakeEventDestination[] },
  ): void {
    this.configurationSets.set(`${set.region}|${set.accountId}|${set.name}`, { eventDestinations: [], ...set });
  }

  /** Seeds a whole scenario (test/fixtures/migration/scenario.json has the shape). */
  seed(scenario: {
    identities?: Array<Parameters<FakeSes['addIdentity']>[0]>;
    crossAccount?: Array<Parameters<FakeSes['addCrossAccount']>[0]>;
    configurationSets?: Array<Parameters<FakeSes['addConfigurationSet']>[0]>;
  }): void {
    for (const identity of scenario.identities ?? []) this.addIdentity(structuredClone(identity));
    for (const setting of scenario.crossAccount ?? []) this.addCrossAccount(structuredClone(setting));
    for (const set of scenario.configurationSets ?? []) this.addConfigurationSet(structuredClone(set));
  }

  /** The next `times` calls of `api` (e.g. 'SetIdentityNotificationTopic', 'CreateConfigurationSet') fail with `code`. */
  failNext(api: string, code: string, times = 1): void {
    this.faults.push({ api, code, remaining: times });
  }

  /** The state as plain JSON, sorted: equal snapshots mean equal state. */
  snapshot(): {
    identities: FakeIdentity[];
    crossAccount: FakeCrossAccount[];
    configurationSets: FakeConfigurationSet[];
  } {
    const sorted = <T>(map: Map<string, T>) =>
      [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => structuredClone(v));
    return {
      identities: sorted(this.identities),
      crossAccount: sorted(this.crossAccount),
      configurationSets: sorted(this.configurationSets),
    };
  }

  callsOf(api: string): FakeCall[] {
    return this.calls.filter((c) => c.api === api);
  }

  // ---- request handling ------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const v2 = url.pathname.startsWith('/v2/email');
    const scope = sigV4Scope(req.headers.authorization);
    if (scope?.service === 'sts') {
      const answer = this.accounts.sts(new URLSearchParams(body), scope.accessKeyId);
      res.writeHead(answer.status, { 'content-type': 'text/xml' });
      res.end(answer.body);
      return;
    }
    const account = scope ? this.accounts.accountOf(scope.accessKeyId) : null;
    if (account === null) {
      // What SES answers for a key no account has: InvalidClientTokenId (v1) / UnrecognizedClientException (v2).
      const message = 'The security token included in the request is invalid.';
      if (v2) {
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnrecognizedClientException' });
        res.end(JSON.stringify({ message }));
      } else {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="${V1_XMLNS}">\n  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>${message}</Message></Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
        );
      }
      return;
    }
    const region = scope!.region;
    if (v2) return this.handleV2(account, region, req.method ?? 'GET', url, body, res);
    return this.handleV1(account, region, new URLSearchParams(body), res);
  }

  private checkFault(api: string): void {
    const fault = this.faults.find((f) => f.api === api && f.remaining > 0);
    if (!fault) return;
    fault.remaining--;
    if (fault.code === 'Throttling') throw new ApiError('Throttling', 'Rate exceeded', 400);
    if (fault.code === 'TooManyRequestsException')
      throw new ApiError('TooManyRequestsException', 'Too many requests', 429);
    if (fault.code === 'InternalFailure' || fault.code === 'ServiceUnavailable')
      throw new ApiError(fault.code, 'injected server error', 500);
    throw new ApiError(fault.code, `injected ${fault.code}`, 400);
  }

  private record(account: string, region: string, api: string): void {
    const at = Date.now();
    this.calls.push({ accountId: account, region, api, at });
    this.checkFault(api);
    if (this.v1IntervalMs > 0 && PACED_V1.has(api)) {
      const key = `${account}|${region}`;
      const last = this.lastPaced.get(key);
      this.lastPaced.set(key, at);
      if (last !== undefined && at - last < this.v1IntervalMs) throw new ApiError('Throttling', 'Rate exceeded', 400);
    }
  }

  // ---- SES v1 (awsQuery) -----------------------------------------------------------------------------------------

  private async handleV1(account: string, region: string, form: URLSearchParams, res: ServerResponse): Promise<void> {
    const action = form.get('Action') ?? '';
    try {
      this.record(account, region, action);
      const result = this.v1(account, region, action, form);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${V1_XMLNS}">\n  <${action}Result>${result}</${action}Result>\n  <ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>\n</${action}Response>\n`,
      );
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('InternalFailure', String(err), 500);
      res.writeHead(e.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="${V1_XMLNS}">\n  <Error><Type>${e.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${xml(e.code)}</Code><Message>${xml(e.message)}</Message></Error>\n  <RequestId>${randomUUID()}</RequestId>\n</ErrorResponse>\n`,
      );
    }
  }

  private v1(account: string, region: string, action: string, form: URLSearchParams): string {
    switch (action) {
      case 'GetIdentityNotificationAttributes':
        return this.getNotificationAttributes(account, region, memberList(form, 'Identities'));
      case 'SetIdentityNotificationTopic':
        this.setTopic(account, region, form);
        return '';
      case 'SetIdentityHeadersInNotificationsEnabled':
        this.setHeaders(account, region, form);
        return '';
      case 'SetIdentityFeedbackForwardingEnabled':
        this.setForwarding(account, region, form);
        return '';
      case 'ListIdentities':
        return this.listIdentities(account, region, form);
      case 'SendEmail':
        return `<MessageId>${xml(this.sendEmail(account, region, form))}</MessageId>`;
      default:
        throw new ApiError(
          'InvalidAction',
          `The action ${action} is not valid for this web service (fake SES implements only what the migration uses).`,
        );
    }
  }

  private own(account: string, region: string, name: string): FakeIdentity | undefined {
    return this.identities.get(`${region}|${account}|${name}`);
  }

  private authorizes(identity: FakeIdentity, account: string): boolean {
    // A policy statement allowing a send action to the account (or an IAM ARN of it): sending-authorization-policies.
    return Object.values(identity.policies).some((text) => {
      try {
        const doc = JSON.parse(text) as { Statement?: unknown };
        const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
        return statements.some((s: any) => {
          if (s?.Effect !== 'Allow') return false;
          const principals = [s.Principal?.AWS].flat().filter((p: unknown): p is string => typeof p === 'string');
          return principals.some((p) => p === account || p.startsWith(`arn:aws:iam::${account}:`));
        });
      } catch {
        return false;
      }
    });
  }

  /**
   * Resolves an `Identity` parameter: a name or own ARN is the caller's identity; another account's ARN is the
   * caller's cross-account view of it (LEGACY-2021 "passing the identity's ARN").
   */
  private resolve(
    account: string,
    region: string,
    identity: string,
  ): { kind: 'own'; identity: FakeIdentity } | { kind: 'foreign'; identity: FakeIdentity; arn: string } | null {
    const m = IDENTITY_ARN.exec(identity);
    if (!m) {
      const own = this.own(account, region, identity);
      return own ? { kind: 'own', identity: own } : null;
    }
    const [, arnRegion, owner, name] = m as unknown as [string, string, string, string];
    if (arnRegion !== region) return null;
    const found = this.identities.get(`${region}|${owner}|${name}`);
    if (!found) return null;
    return owner === account ? { kind: 'own', identity: found } : { kind: 'foreign', identity: found, arn: identity };
  }

  private attributesXml(topics: PerType<string | null>, headers: PerType<boolean>, forwarding: boolean): string {
    const parts: string[] = [];
    for (const type of TYPES) if (topics[type]) parts.push(`<${type}Topic>${xml(topics[type]!)}</${type}Topic>`);
    parts.push(`<ForwardingEnabled>${forwarding}</ForwardingEnabled>`);
    for (const type of TYPES)
      parts.push(`<HeadersIn${type}NotificationsEnabled>${headers[type]}</HeadersIn${type}NotificationsEnabled>`);
    return parts.join('');
  }

  private getNotificationAttributes(account: string, region: string, identities: string[]): string {
    if (identities.length === 0)
      throw new ApiError(
        'ValidationError',
        "1 validation error detected: Value null at 'identities' failed to satisfy constraint: Member must not be null",
      );
    if (identities.length > 100)
      throw new ApiError('InvalidParameterValue', 'Too many identities: at most 100 per request.');
    const entries: string[] = [];
    for (const item of identities) {
      const found = this.resolve(account, region, item);
      if (!found) continue; // SES leaves out identities it does not know
      if (found.kind === 'own') {
        const i = found.identity;
        entries.push(
          `<entry><key>${xml(item)}</key><value>${this.attributesXml(i.topics, i.headers, i.forwardingEnabled)}</value></entry>`,
        );
        continue;
      }
      const setting = this.crossAccount.get(`${account}|${found.arn}`);
      if (!setting && !this.authorizes(found.identity, account)) continue;
      // Assumption: a delegate sees its own cross-account settings; forwarding is the owner's, reported as true.
      entries.push(
        `<entry><key>${xml(item)}</key><value>${this.attributesXml(setting?.topics ?? emptyTopics(), setting?.headers ?? noHeaders(), true)}</value></entry>`,
      );
    }
    return `<NotificationAttributes>${entries.join('')}</NotificationAttributes>`;
  }

  private notificationType(form: URLSearchParams): FakeNotificationType {
    const type = form.get('NotificationType') ?? '';
    if (!(TYPES as readonly string[]).includes(type))
      throw new ApiError('InvalidParameterValue', `Invalid notification type: ${type}`);
    return type as FakeNotificationType;
  }

  private setTopic(account: string, region: string, form: URLSearchParams): void {
    const identity = form.get('Identity') ?? '';
    const type = this.notificationType(form);
    const topic = form.get('SnsTopic') || null;
    if (topic !== null) {
      const m = TOPIC_ARN.exec(topic);
      if (!m) throw new ApiError('InvalidParameterValue', `Invalid SNS topic: ${topic}`);
      if (m[1] !== region) throw new ApiError('InvalidParameterValue', `SNS topic ${topic} is not in region ${region}`);
    }
    const found = this.resolve(account, region, identity);
    if (!found)
      throw new ApiError('InvalidParameterValue', `Identity ${identity} is invalid or not verified in ${region}.`);
    if (found.kind === 'own') {
      found.identity.topics[type] = topic;
      return;
    }
    const key = `${account}|${found.arn}`;
    const setting = this.crossAccount.get(key);
    if (!setting && !this.authorizes(found.identity, account))
      throw new ApiError('InvalidParameterValue', `Account ${account} is not authorized to use identity ${identity}.`);
    if (topic !== null && !(setting && TYPES.some((t) => setting.topics[t] !== null))) {
      // Assumption: "you can no longer create new cross-account notifications"; existing ones may be modified.
      throw new ApiError(
        'InvalidParameterValue',
        'Cross-account notifications can no longer be created. Use a configuration set, or ask the identity owner to set your topic.',
      );
    }
    if (!setting) return;
    setting.topics[type] = topic;
    if (topic === null) setting.headers[type] = false;
    if (TYPES.every((t) => setting.topics[t] === null)) this.crossAccount.delete(key);
  }

  private setHeaders(account: string, region: string, form: URLSearchParams): void {
    const identity = form.get('Identity') ?? '';
    const type = this.notificationType(form);
    const enabled = form.get('Enabled') === 'true';
    const found = this.resolve(account, region, identity);
    if (!found)
      throw new ApiError('InvalidParameterValue', `Identity ${identity} is invalid or not verified in ${region}.`);
    const target = found.kind === 'own' ? found.identity : this.crossAccount.get(`${account}|${found.arn}`);
    // "only once a topic is set for that type" (SetIdentityHeadersInNotificationsEnabled).
    if (!target || target.topics[type] === null)
      throw new ApiError(
        'InvalidParameterValue',
        `No ${type} topic is set for ${identity}; set one before changing its headers setting.`,
      );
    target.headers[type] = enabled;
  }

  private setForwarding(account: string, region: string, form: URLSearchParams): void {
    const identity = form.get('Identity') ?? '';
    const found = this.resolve(account, region, identity);
    if (found?.kind !== 'own')
      throw new ApiError('InvalidParameterValue', `Identity ${identity} is invalid or not verified in ${region}.`);
    const enabled = form.get('ForwardingEnabled') === 'true';
    // "can be false only when Bounce and Complaint topics are set" (SetIdentityFeedbackForwardingEnabled).
    if (!enabled && (found.identity.topics.Bounce === null || found.identity.topics.Complaint === null)) {
      throw new ApiError(
        'InvalidParameterValue',
        'Feedback forwarding can be disabled only when SNS topics are set for both bounces and complaints.',
      );
    }
    found.identity.forwardingEnabled = enabled;
  }

  private listIdentities(account: string, region: string, form: URLSearchParams): string {
    const type = form.get('IdentityType');
    const max = Math.min(Number(form.get('MaxItems') ?? '1000') || 1000, 1000);
    const start = Number(form.get('NextToken') ?? '0') || 0;
    const names = [...this.identities.values()]
      .filter((i) => i.accountId === account && i.region === region)
      .filter((i) => !type || (type === 'EmailAddress') === i.name.includes('@'))
      .map((i) => i.name)
      .sort();
    const page = names.slice(start, start + max);
    const next = start + max < names.length ? `<NextToken>${start + max}</NextToken>` : '';
    return `<Identities>${page.map((n) => `<member>${xml(n)}</member>`).join('')}</Identities>${next}`;
  }

  private sendEmail(account: string, region: string, form: URLSearchParams): string {
    const source = form.get('Source') ?? '';
    const address = /<([^>]+)>/.exec(source)?.[1] ?? source;
    const sourceArn = form.get('SourceArn') || null;
    const configurationSetName = form.get('ConfigurationSetName') || null;
    const to = memberList(form, 'Destination.ToAddresses');
    if (to.length === 0) throw new ApiError('InvalidParameterValue', "Missing final '@domain'");
    let identity: FakeIdentity | undefined;
    let foreign = false;
    if (sourceArn) {
      const found = this.resolve(account, region, sourceArn);
      if (!found) throw new ApiError('MessageRejected', `Identity ${sourceArn} is not verified in ${region}.`);
      identity = found.identity;
      foreign = found.kind === 'foreign';
      if (foreign && !this.authorizes(identity, account))
        throw new ApiError('MessageRejected', `User ${account} is not authorized to send from ${sourceArn}.`);
      const domain = address.split('@')[1];
      if (address !== identity.name && domain !== identity.name)
        throw new ApiError('MessageRejected', `Source ${address} does not belong to identity ${sourceArn}.`);
    } else {
      identity = this.own(account, region, address) ?? this.own(account, region, address.split('@')[1] ?? '');
      if (!identity)
        throw new ApiError(
          'MessageRejected',
          `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${address}`,
        );
    }
    let set: FakeConfigurationSet | undefined;
    if (configurationSetName) {
      set = this.configurationSets.get(`${region}|${account}|${configurationSetName}`);
      if (!set)
        throw new ApiError(
          'ConfigurationSetDoesNotExist',
          `Configuration set <${configurationSetName}> does not exist.`,
        );
    }
    const identityArn = `arn:aws:ses:${region}:${identity.accountId}:identity/${identity.name}`;
    const feedback: FakeFeedback[] = [];
    const deliveries: Array<[FakeFeedback, string]> = [];
    for (const recipient of to) {
      // Mailbox simulator: bounce@ bounces, complaint@ is delivered then complained about, success@ is delivered.
      const types: FakeNotificationType[] = recipient.startsWith('bounce@')
        ? ['Bounce']
        : recipient.startsWith('complaint@')
          ? ['Delivery', 'Complaint']
          : ['Delivery'];
      for (const type of types) {
        const items: FakeFeedback[] = [];
        if (identity.topics[type]) items.push({ type, via: 'identity', topicArn: identity.topics[type]! });
        const legacy = foreign ? this.crossAccount.get(`${account}|${identityArn}`) : undefined;
        if (legacy?.topics[type]) items.push({ type, via: 'cross-account', topicArn: legacy.topics[type]! });
        for (const dest of set?.eventDestinations ?? []) {
          if (dest.Enabled && dest.SnsDestination && dest.MatchingEventTypes.includes(type.toUpperCase()))
            items.push({ type, via: 'configuration-set', topicArn: dest.SnsDestination.TopicArn });
        }
        feedback.push(...items);
        for (const item of items) deliveries.push([item, recipient]);
      }
    }
    const messageId = `0100${randomUUID().replace(/-/g, '')}-000000`;
    const sent: FakeSentMessage = {
      accountId: account,
      region,
      messageId,
      from: address,
      to,
      sourceArn,
      configurationSetName,
      identityArn,
      feedback,
    };
    this.sent.push(sent);
    const sink = this.onFeedback;
    if (sink)
      setTimeout(() => deliveries.forEach(([item, recipient]) => sink(sent, item, recipient)), this.feedbackDelayMs);
    return messageId;
  }

  // ---- SESv2 (REST JSON) -----------------------------------------------------------------------------------------

  private async handleV2(
    account: string,
    region: string,
    method: string,
    url: URL,
    body: string,
    res: ServerResponse,
  ): Promise<void> {
    const segments = url.pathname.split('/').slice(3).map(decodeURIComponent); // after /v2/email
    let api = 'Unknown';
    try {
      const route = this.v2Route(method, segments);
      api = route.api;
      this.record(account, region, api);
      const input = body ? (JSON.parse(body) as Record<string, any>) : {};
      const output = route.run(account, region, input, url.searchParams);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(output));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('InternalFailure', String(err), 500);
      res.writeHead(e.status, { 'content-type': 'application/json', 'x-amzn-errortype': e.code });
      res.end(JSON.stringify({ message: e.message }));
    }
  }

  private v2Route(
    method: string,
    s: string[],
  ): {
    api: string;
    run: (account: string, region: string, input: Record<string, any>, query: URLSearchParams) => unknown;
  } {
    const [resource, name, sub, subName] = s;
    const key = `${method} ${resource}${name !== undefined ? '/{}' : ''}${sub !== undefined ? `/${sub}` : ''}${subName !== undefined ? '/{}' : ''}`;
    switch (key) {
      // The pinned SDK (client-sesv2 3.1176) lists with POST and a JSON body; older clients used GET with a query.
      case 'POST list-identities':
        return { api: 'ListEmailIdentities', run: (a, r, i) => this.listEmailIdentities(a, r, bodyQuery(i)) };
      case 'GET identities':
        return { api: 'ListEmailIdentities', run: (a, r, _i, q) => this.listEmailIdentities(a, r, q) };
      case 'POST list-configuration-sets':
        return { api: 'ListConfigurationSets', run: (a, r, i) => this.listConfigurationSets(a, r, bodyQuery(i)) };
      case 'GET identities/{}':
        return { api: 'GetEmailIdentity', run: (a, r) => this.getEmailIdentity(a, r, name!) };
      case 'GET identities/{}/policies':
        return {
          api: 'GetEmailIdentityPolicies',
          run: (a, r) => ({ Policies: this.ownOrNotFound(a, r, name!).policies }),
        };
      case 'GET configuration-sets':
        return { api: 'ListConfigurationSets', run: (a, r, _i, q) => this.listConfigurationSets(a, r, q) };
      case 'POST configuration-sets':
        return { api: 'CreateConfigurationSet', run: (a, r, i) => this.createConfigurationSet(a, r, i) };
      case 'GET configuration-sets/{}':
        return {
          api: 'GetConfigurationSet',
          run: (a, r) => ({ ConfigurationSetName: this.set(a, r, name!).name, Tags: [] }),
        };
      case 'DELETE configuration-sets/{}':
        return {
          api: 'DeleteConfigurationSet',
          run: (a, r) => (this.set(a, r, name!), this.configurationSets.delete(`${r}|${a}|${name}`), {}),
        };
      case 'GET configuration-sets/{}/event-destinations':
        return {
          api: 'GetConfigurationSetEventDestinations',
          run: (a, r) => ({ EventDestinations: structuredClone(this.set(a, r, name!).eventDestinations) }),
        };
      case 'POST configuration-sets/{}/event-destinations':
        return {
          api: 'CreateConfigurationSetEventDestination',
          run: (a, r, i) => this.putDestination(a, r, name!, i.EventDestinationName, i.EventDestination, 'create'),
        };
      case 'PUT configuration-sets/{}/event-destinations/{}':
        return {
          api: 'UpdateConfigurationSetEventDestination',
          run: (a, r, i) => this.putDestination(a, r, name!, subName!, i.EventDestination, 'update'),
        };
      case 'DELETE configuration-sets/{}/event-destinations/{}':
        return {
          api: 'DeleteConfigurationSetEventDestination',
          run: (a, r) => {
            const set = this.set(a, r, name!);
            const index = set.eventDestinations.findIndex((d) => d.Name === subName);
            if (index < 0) throw new ApiError('NotFoundException', `Event destination ${subName} does not exist.`, 404);
            set.eventDestinations.splice(index, 1);
            return {};
          },
        };
      default:
        throw new ApiError(
          'UnknownOperationException',
          `fake SES: no SESv2 operation for ${method} /v2/email/${s.join('/')}`,
          404,
        );
    }
  }

  private ownOrNotFound(account: string, region: string, name: string): FakeIdentity {
    const identity = this.own(account, region, name);
    if (!identity) throw new ApiError('NotFoundException', `Email identity ${name} does not exist.`, 404);
    return identity;
  }

  private getEmailIdentity(account: string, region: string, name: string): unknown {
    const identity = this.ownOrNotFound(account, region, name);
    return {
      IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
      FeedbackForwardingStatus: identity.forwardingEnabled,
      VerifiedForSendingStatus: true,
      VerificationStatus: 'SUCCESS',
      Policies: identity.policies,
      Tags: [],
      ...(identity.configurationSet ? { ConfigurationSetName: identity.configurationSet } : {}),
    };
  }

  private page<T>(items: T[], query: URLSearchParams): { items: T[]; next: string | undefined } {
    const size = Math.min(Number(query.get('PageSize') ?? '1000') || 1000, 1000);
    const start = Number(query.get('NextToken') ?? '0') || 0;
    return {
      items: items.slice(start, start + size),
      next: start + size < items.length ? String(start + size) : undefined,
    };
  }

  private listEmailIdentities(account: string, region: string, query: URLSearchParams): unknown {
    const all = [...this.identities.values()]
      .filter((i) => i.accountId === account && i.region === region)
      .sort((a, b) => a.name.localeCompare(b.name));
    const { items, next } = this.page(all, query);
    return {
      EmailIdentities: items.map((i) => ({
        IdentityType: i.name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
        IdentityName: i.name,
        SendingEnabled: true,
        VerificationStatus: 'SUCCESS',
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  private listConfigurationSets(account: string, region: string, query: URLSearchParams): unknown {
    const names = [...this.configurationSets.values()]
      .filter((c) => c.accountId === account && c.region === region)
      .map((c) => c.name)
      .sort();
    const { items, next } = this.page(names, query);
    return { ConfigurationSets: items, ...(next ? { NextToken: next } : {}) };
  }

  private set(account: string, region: string, name: string): FakeConfigurationSet {
    const set = this.configurationSets.get(`${region}|${account}|${name}`);
    if (!set) throw new ApiError('NotFoundException', `Configuration set ${name} does not exist.`, 404);
    return set;
  }

  private createConfigurationSet(account: string, region: string, input: Record<string, any>): unknown {
    const name = input.ConfigurationSetName;
    if (typeof name !== 'string' || !NAME.test(name))
      throw new ApiError('BadRequestException', `Invalid configuration set name: ${name}`);
    if (this.configurationSets.has(`${region}|${account}|${name}`))
      throw new ApiError('AlreadyExistsException', `Configuration set ${name} already exists.`);
    this.configurationSets.set(`${region}|${account}|${name}`, {
      region,
      accountId: account,
      name,
      eventDestinations: [],
    });
    return {};
  }

  private putDestination(
    account: string,
    region: string,
    setName: string,
    name: unknown,
    definition: any,
    mode: 'create' | 'update',
  ): unknown {
    const set = this.set(account, region, setName);
    if (typeof name !== 'string' || !NAME.test(name))
      throw new ApiError('BadRequestException', `Invalid event destination name: ${name}`);
    const types = definition?.MatchingEventTypes;
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      types.some((t: unknown) => !V2_EVENT_TYPES.includes(String(t)))
    ) {
      throw new ApiError('BadRequestException', `Invalid MatchingEventTypes: ${JSON.stringify(types)}`);
    }
    const topic = definition?.SnsDestination?.TopicArn;
    if (typeof topic !== 'string' || !TOPIC_ARN.test(topic))
      throw new ApiError(
        'BadRequestException',
        `Invalid SNS destination: ${JSON.stringify(definition?.SnsDestination)}`,
      );
    if (TOPIC_ARN.exec(topic)![1] !== region)
      throw new ApiError('BadRequestException', `SNS topic ${topic} is not in region ${region}.`);
    const destination: FakeEventDestination = {
      Name: name,
      Enabled: definition.Enabled === true,
      MatchingEventTypes: [...types],
      SnsDestination: { TopicArn: topic },
    };
    const index = set.eventDestinations.findIndex((d) => d.Name === name);
    if (mode === 'create') {
      if (index >= 0) throw new ApiError('AlreadyExistsException', `Event destination ${name} already exists.`);
      // "at most 10 event destinations per configuration set" (SES quotas).
      if (set.eventDestinations.length >= 10)
        throw new ApiError('LimitExceededException', 'Too many event destinations in this configuration set.');
      set.eventDestinations.push(destination);
    } else {
      if (index < 0) throw new ApiError('NotFoundException', `Event destination ${name} does not exist.`, 404);
      set.eventDestinations[index] = destination;
    }
    return {};
  }
}
