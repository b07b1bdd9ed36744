import { isObject } from '#lib/json';
import { parseAction, parseStateValue } from '#lib/migration/action-file';
import { isAccountId, isRegion, parseIdentityArn } from '#lib/migration/arn';
import { hmacMatches, PLAN_HMAC_KEY_ENV, planDigest, planDocumentDigest } from '#lib/migration/seal';
import { PHASES, type Plan, type RoutesDocument, STRATEGIES, type Step } from '#lib/migration/types';
import {
  array,
  boolean,
  child,
  fail,
  isIsoTime,
  object,
  oneOf,
  parseJsonText,
  string,
  withSource,
} from '#lib/migration/validate';

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
