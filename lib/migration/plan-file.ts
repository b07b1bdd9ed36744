/**
 * Reading the files `apply`, `verify`, `rollback` and the Lambda act on: plan.json, journal lines, verify reports.
 * They drive SES calls, so every action is checked field by field before anything runs.
 */
import { parseStandardTopicArn } from '#lib/arn';
import { isObject } from '#lib/json';
import { isAccountId, isRegion, isSesName, parseIdentityArn } from '#lib/migration/arn';
import { hmacMatches, PLAN_HMAC_KEY_ENV, planDigest, planDocumentDigest } from '#lib/migration/seal';
import {
  type Action,
  EVENT_TYPE_OF,
  type JournalEntry,
  NOTIFICATION_TYPES,
  PHASES,
  type Plan,
  type RoutesDocument,
  STRATEGIES,
  type StateValue,
  type Step,
  type VerifyReport,
} from '#lib/migration/types';
import {
  array,
  boolean,
  child,
  fail,
  isIsoTime,
  nullableString,
  object,
  oneOf,
  parseJsonText,
  string,
  withSource,
} from '#lib/migration/validate';

const isTopicArn = (s: string) => parseStandardTopicArn(s) !== null;
const EVENT_TYPES = Object.values(EVENT_TYPE_OF);
const MANUAL_KINDS = [
  'sns-topic-policy',
  'kms-key-policy',
  'name-configuration-set',
  'deploy-routes',
  'create-shadow-topic',
] as const;
const ROUTE_MODES = ['live', 'shadow'] as const;
const API_NAMES = [
  'ses:SetIdentityNotificationTopic',
  'ses:SetIdentityHeadersInNotificationsEnabled',
  'ses:SetIdentityFeedbackForwardingEnabled',
  'sesv2:CreateConfigurationSet',
  'sesv2:CreateConfigurationSetEventDestination',
  'bridge:SetRouteMode',
  'manual',
] as const;

/** Validates one action (a plan step's, a revert's or a journal entry's). */
export function parseAction(value: unknown, path: string): Action {
  const obj = object(value, path, 'an action object with api and params');
  const api = oneOf(obj.api, child(path, 'api'), API_NAMES);
  const p = child(path, 'params');
  const params = object(obj.params, p);
  const identity = () => string(params.Identity, child(p, 'Identity'));
  const type = () => oneOf(params.NotificationType, child(p, 'NotificationType'), NOTIFICATION_TYPES);
  const setName = () =>
    string(params.ConfigurationSetName, child(p, 'ConfigurationSetName'), isSesName, 'a configuration set name');
  switch (api) {
    case 'ses:SetIdentityNotificationTopic':
      return {
        api,
        params: {
          Identity: identity(),
          NotificationType: type(),
          SnsTopic: nullableString(
            params.SnsTopic ?? null,
            child(p, 'SnsTopic'),
            isTopicArn,
            'a standard SNS topic ARN',
          ),
        },
      };
    case 'ses:SetIdentityHeadersInNotificationsEnabled':
      return {
        api,
        params: {
          Identity: identity(),
          NotificationType: type(),
          Enabled: boolean(params.Enabled, child(p, 'Enabled')),
        },
      };
    case 'ses:SetIdentityFeedbackForwardingEnabled':
      return {
        api,
        params: {
          Identity: identity(),
          ForwardingEnabled: boolean(params.ForwardingEnabled, child(p, 'ForwardingEnabled')),
        },
      };
    case 'sesv2:CreateConfigurationSet':
      return { api, params: { ConfigurationSetName: setName() } };
    case 'sesv2:CreateConfigurationSetEventDestination': {
      const d = child(p, 'EventDestination');
      const def = object(params.EventDestination, d);
      const sns = object(def.SnsDestination, child(d, 'SnsDestination'), 'an object with TopicArn');
      const types = array(def.MatchingEventTypes, child(d, 'MatchingEventTypes')).map((t, i) =>
        oneOf(t, child(child(d, 'MatchingEventTypes'), i), EVENT_TYPES),
      );
      if (types.length === 0) fail(child(d, 'MatchingEventTypes'), 'must name at least one event type');
      return {
        api,
        params: {
          ConfigurationSetName: setName(),
          EventDestinationName: string(
            params.EventDestinationName,
            child(p, 'EventDestinationName'),
            isSesName,
            'an event destination name (1-64 of A-Z a-z 0-9 _ -)',
          ),
          EventDestination: {
            Enabled: boolean(def.Enabled, child(d, 'Enabled')),
            MatchingEventTypes: types,
            SnsDestination: {
              TopicArn: string(
                sns.TopicArn,
                child(child(d, 'SnsDestination'), 'TopicArn'),
                isTopicArn,
                'a standard SNS topic ARN',
              ),
            },
          },
        },
      };
    }
    case 'bridge:SetRouteMode':
      return {
        api,
        params: {
          Route: string(params.Route, child(p, 'Route'), (r) => r.length > 0, 'a route name'),
          Mode: oneOf(params.Mode, child(p, 'Mode'), ROUTE_MODES),
        },
      };
    case 'manual':
      return {
        api,
        params: {
          kind: oneOf(params.kind, child(p, 'kind'), MANUAL_KINDS),
          target: string(params.target, child(p, 'target')),
          instructions: string(params.instructions, child(p, 'instructions')),
          ...(params.document === undefined ? {} : { document: params.document }),
        },
      };
  }
}

function parseStep(value: unknown, path: string): Step {
  const obj = object(value, path);
  const id = string(obj.id, child(path, 'id'));
  const phase = oneOf(obj.phase, child(path, 'phase'), PHASES);
  const role = oneOf(obj.role, child(path, 'role'), ['owner', 'delegate', 'bridge'] as const);
  const account = string(obj.account, child(path, 'account'), isAccountId, 'a 12-digit account id');
  const region = string(obj.region, child(path, 'region'), isRegion, 'a region');
  const title = string(obj.title, child(path, 'title'));
  const action = parseAction(obj.action, child(path, 'action'));
  const revert = object(obj.revert, child(path, 'revert'));
  const step: Step = {
    id,
    phase,
    role,
    account,
    region,
    title,
    action,
    seen: obj.seen === null || obj.seen === undefined ? null : parseStateValue(obj.seen, child(path, 'seen')),
    revert: {
      description: string(revert.description, child(child(path, 'revert'), 'description')),
      action:
        revert.action === null || revert.action === undefined
          ? null
          : parseAction(revert.action, child(child(path, 'revert'), 'action')),
      reversible: boolean(revert.reversible, child(child(path, 'revert'), 'reversible')),
    },
    dependsOn: array(obj.dependsOn ?? [], child(path, 'dependsOn')).map((d, i) =>
      string(d, child(child(path, 'dependsOn'), i)),
    ),
  };
  // An identity ARN in a step must be in the step's region: SES only answers for identities of the endpoint's region.
  const params = step.action.params as { Identity?: string };
  const arn = params.Identity ? parseIdentityArn(params.Identity) : null;
  if (arn && arn.region !== step.region)
    fail(
      child(child(child(path, 'action'), 'params'), 'Identity'),
      `is in ${arn.region}, but the step runs in ${step.region}`,
    );
  return step;
}

/** How plans are checked: with `hmacKey` (SES_BRIDGE_PLAN_HMAC_KEY), a plan must carry a valid `hmac`. */
export interface PlanCheck {
  hmacKey?: string | undefined;
}

const EDITED = 'plan.json was edited after "ses-bridge migrate plan" wrote it; run plan again instead of editing';

/**
 * Validates a plan document. The digest must match the whole document and the planId the steps: a plan edited by
 * hand is refused, because verify reports and journals refer to the plan by them. With an HMAC key, the plan must be
 * signed with it.
 */
export function parsePlan(doc: unknown, source: string, check: PlanCheck = {}): Plan {
  return withSource(source, () => {
    const obj = object(doc, '', 'a plan object (ses-bridge migrate plan --out DIR writes plan.json)');
    const digest = string(obj.digest, 'digest', (d) => d.startsWith('sha256:'), 'a sha256:<hex> digest');
    if (planDocumentDigest(obj) !== digest) fail('digest', `does not match the plan's content: ${EDITED}`);
    if (check.hmacKey && !hmacMatches(obj, check.hmacKey, obj.hmac))
      fail(
        'hmac',
        obj.hmac === null || obj.hmac === undefined
          ? `is missing, but ${PLAN_HMAC_KEY_ENV} is set: only plans signed with that key are accepted (run plan with it)`
          : `does not match ${PLAN_HMAC_KEY_ENV}: the plan was changed or signed with another key`,
      );
    if (obj.version !== 1) fail('version', `must be 1, got ${JSON.stringify(obj.version)}`);
    const strategy = oneOf(obj.strategy, 'strategy', STRATEGIES);
    const steps = array(obj.steps, 'steps').map((s, i) => parseStep(s, child('steps', i)));
    const ids = new Set<string>();
    steps.forEach((s, i) => {
      if (ids.has(s.id)) fail(child(child('steps', i), 'id'), `"${s.id}" is used by an earlier step`);
      ids.add(s.id);
    });
    const routes =
      obj.routes === null || obj.routes === undefined
        ? null
        : (object(obj.routes, 'routes') as unknown as RoutesDocument);
    const planId = string(obj.planId, 'planId');
    if (planDigest(strategy, steps, routes) !== planId) fail('planId', `does not match the plan's steps: ${EDITED}`);
    const options = isObject(obj.options) ? obj.options : {};
    return {
      version: 1,
      planId,
      digest,
      hmac: typeof obj.hmac === 'string' ? obj.hmac : null,
      strategy,
      generatedAt: string(obj.generatedAt, 'generatedAt', isIsoTime, 'an ISO 8601 UTC time'),
      options: {
        format: (options.format as Plan['options']['format']) ?? null,
        bridgeTopicArn: (options.bridgeTopicArn as string | null) ?? null,
        bridgePrincipal: (options.bridgePrincipal as string | null) ?? null,
        configSetName: (options.configSetName as string | null) ?? null,
      },
      inventories: array(obj.inventories ?? [], 'inventories') as Plan['inventories'],
      identities: array(obj.identities ?? [], 'identities') as Plan['identities'],
      steps,
      warnings: array(obj.warnings ?? [], 'warnings').map((w, i) => string(w, child('warnings', i))),
      routes,
    };
  });
}

/** Parses a plan file's text (plan.json). */
export function parsePlanText(text: string, source: string, check: PlanCheck = {}): Plan {
  return parsePlan(parseJsonText(text, source), source, check);
}

function parseStateValue(value: unknown, path: string): StateValue {
  const obj = object(value, path);
  const kind = oneOf(obj.kind, child(path, 'kind'), [
    'topic',
    'flag',
    'configuration-set',
    'event-destination',
    'route-mode',
  ] as const);
  switch (kind) {
    case 'topic':
      return {
        kind,
        topicArn: nullableString(obj.topicArn, child(path, 'topicArn'), isTopicArn, 'an SNS topic ARN'),
        headersEnabled: boolean(obj.headersEnabled, child(path, 'headersEnabled')),
      };
    case 'flag':
      return { kind, enabled: boolean(obj.enabled, child(path, 'enabled')) };
    case 'configuration-set':
      return { kind, exists: boolean(obj.exists, child(path, 'exists')) };
    case 'route-mode':
      return { kind, mode: obj.mode === null ? null : oneOf(obj.mode, child(path, 'mode'), ROUTE_MODES) };
    case 'event-destination': {
      if (obj.destination === null) return { kind, destination: null };
      const action = parseAction(
        {
          api: 'sesv2:CreateConfigurationSetEventDestination',
          params: { ConfigurationSetName: 'x', EventDestinationName: 'x', EventDestination: obj.destination },
        },
        child(path, 'destination'),
      );
      return {
        kind,
        destination: (action as Extract<Action, { api: 'sesv2:CreateConfigurationSetEventDestination' }>).params
          .EventDestination,
      };
    }
  }
}

/** Validates one journal entry (one NDJSON line). */
export function parseJournalEntry(value: unknown, path: string): JournalEntry {
  const obj = object(value, path);
  if (obj.v !== 1) fail(child(path, 'v'), `must be 1, got ${JSON.stringify(obj.v)}`);
  return {
    v: 1,
    planId: string(obj.planId, child(path, 'planId')),
    stepId: string(obj.stepId, child(path, 'stepId')),
    account: string(obj.account, child(path, 'account'), isAccountId, 'a 12-digit account id'),
    region: string(obj.region, child(path, 'region'), isRegion, 'a region'),
    at: string(obj.at, child(path, 'at'), isIsoTime, 'an ISO 8601 UTC time'),
    action: parseAction(obj.action, child(path, 'action')),
    before: parseStateValue(obj.before, child(path, 'before')),
    after: parseStateValue(obj.after, child(path, 'after')),
  };
}

/** Validates a verify report (`verify --out FILE`). */
export function parseVerifyReport(doc: unknown, source: string): VerifyReport {
  return withSource(source, () => {
    const obj = object(doc, '', 'a verify report (ses-bridge migrate verify --out FILE)');
    if (obj.v !== 1) fail('v', `must be 1, got ${JSON.stringify(obj.v)}`);
    return {
      v: 1,
      planId: string(obj.planId, 'planId'),
      accountId: string(obj.accountId, 'accountId', isAccountId, 'a 12-digit account id'),
      checkedAt: string(obj.checkedAt, 'checkedAt', isIsoTime, 'an ISO 8601 UTC time'),
      phases: array(obj.phases, 'phases').map((p, i) => oneOf(p, child('phases', i), PHASES)),
      passed: boolean(obj.passed, 'passed'),
      checks: array(obj.checks, 'checks') as VerifyReport['checks'],
      sendTests: array(obj.sendTests ?? [], 'sendTests') as VerifyReport['sendTests'],
      canary: parseCanary(obj.canary),
    };
  });
}

/** The canary part of a verify report: null when absent; its destinations must say which topic passed. */
function parseCanary(value: unknown): VerifyReport['canary'] {
  if (value === null || value === undefined) return null;
  const obj = object(value, 'canary');
  const destinations = array(obj.destinations, 'canary.destinations').map((d, i) => {
    const at = child('canary.destinations', i);
    const dest = object(d, at);
    return {
      ...(dest as unknown as NonNullable<VerifyReport['canary']>['destinations'][number]),
      topicArn: string(dest.topicArn, child(at, 'topicArn'), isTopicArn, 'an SNS topic ARN'),
      passed: boolean(dest.passed, child(at, 'passed')),
    };
  });
  return {
    passed: boolean(obj.passed, 'canary.passed'),
    timeoutMs: typeof obj.timeoutMs === 'number' ? obj.timeoutMs : 0,
    interrupted: obj.interrupted === true,
    destinations,
  };
}
