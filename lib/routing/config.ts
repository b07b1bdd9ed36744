/**
 * The routes file: which delegate's SNS topic each record goes to, and in which payload format.
 * Validated once at cold start; every error names the JSON path of the field to fix. Destinations come only from
 * this file: nothing in a payload can choose a topic.
 */
import { isStandardTopicArn } from '#lib/arn';
import { FieldError } from '#lib/errors';
import { isObject, type JsonObject, kindOf } from '#lib/json';
import { EVENT_TYPES, type EventType } from '#lib/ses/types';

/** Payload formats a destination can ask for. */
export const OUTPUT_FORMATS = ['original', 'notification', 'event', 'normalized'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Fields of the normalized event a route can match on (besides `types` and `tags`). */
export const MATCH_FIELDS = [
  'sendingAccountId',
  'sourceArn',
  'identity',
  'configurationSet',
  'callerIdentity',
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface Destination {
  topicArn: string;
  format: OutputFormat;
}

/** `live` publishes to `to`; `shadow` publishes to `shadowTopicArn` instead, never to `to` (a cutover rehearsal). */
export const ROUTE_MODES = ['live', 'shadow'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export interface Route {
  name: string;
  when: Partial<Record<MatchField, string[]>> & { types?: EventType[]; tags?: Record<string, string[]> };
  to: Destination;
  /** `live` when absent. */
  mode?: RouteMode;
  /** Where a shadow route publishes; kept (and unused) on a live route, so a cutover is a one-word change. */
  shadowTopicArn?: string | null;
  /** Suppress copies of one SES event to this route's destination (lib/dedupe); false when absent. */
  dedupe?: boolean;
}

export type Unmatched = { action: 'drop' } | { action: 'fail' } | { action: 'deliver'; to: Destination };

export interface RoutesConfig {
  routes: Route[];
  unmatched: Unmatched;
}

const ROUTE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

function fail(path: string, message: string): never {
  throw new FieldError(path.startsWith('.') ? path.slice(1) : path, message);
}

function checkKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown key "${key}": expected one of ${allowed.join(', ')}`);
  }
}

/** A string or a non-empty array of strings, as an array. */
function stringList(value: unknown, path: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0)
    fail(path, `must be a string or a non-empty array of strings, got ${kindOf(value)}`);
  list.forEach((item, i) => {
    if (typeof item !== 'string' || item === '')
      fail(`${path}[${i}]`, `must be a non-empty string, got ${kindOf(item)}`);
  });
  return list as string[];
}

function checkTopicArn(topicArn: string, path: string): void {
  if (topicArn.endsWith('.fifo')) fail(path, 'is a FIFO topic; only standard SNS topics are supported');
  if (!isStandardTopicArn(topicArn)) fail(path, `is not an SNS topic ARN: "${topicArn}"`);
}

function parseDestination(value: unknown, path: string): Destination {
  if (!isObject(value)) fail(path, `must be an object with topicArn and format, got ${kindOf(value)}`);
  checkKeys(value, path, ['topicArn', 'format']);
  const { topicArn, format = 'original' } = value;
  if (typeof topicArn !== 'string') fail(`${path}.topicArn`, `is required: the ARN of the SNS topic to publish to`);
  checkTopicArn(topicArn, `${path}.topicArn`);
  if (typeof format !== 'string' || !(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    fail(`${path}.format`, `must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  return { topicArn, format: format as OutputFormat };
}

function parseWhen(value: unknown, path: string): Route['when'] {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) fail(path, `must be an object of conditions, got ${kindOf(value)}`);
  checkKeys(value, path, [...MATCH_FIELDS, 'types', 'tags']);
  const when: Route['when'] = {};
  for (const field of MATCH_FIELDS) {
    if (value[field] === undefined) continue;
    const list = stringList(value[field], `${path}.${field}`);
    if (field === 'sendingAccountId') {
      list.forEach((id, i) => {
        if (ACCOUNT_ID.test(id)) return;
        fail(
          `${path}.${field}${Array.isArray(value[field]) ? `[${i}]` : ''}`,
          `must be a 12-digit AWS account id, got "${id}"`,
        );
      });
    }
    when[field] = list;
  }
  if (value.types !== undefined) {
    const types = stringList(value.types, `${path}.types`);
    types.forEach((type, i) => {
      if (!(EVENT_TYPES as readonly string[]).includes(type))
        fail(
          `${path}.types${Array.isArray(value.types) ? `[${i}]` : ''}`,
          `"${type}" is not an event type: expected one of ${EVENT_TYPES.join(', ')}`,
        );
    });
    when.types = types as EventType[];
  }
  if (value.tags !== undefined) {
    if (!isObject(value.tags))
      fail(`${path}.tags`, `must be an object of tag name to value or values, got ${kindOf(value.tags)}`);
    // Own data properties only: a tag named __proto__ must stay a condition, not become the object's prototype.
    when.tags = Object.fromEntries(
      Object.entries(value.tags).map(([name, values]) => [
        name,
        stringList(values, `${path}.tags[${JSON.stringify(name)}]`),
      ]),
    );
  }
  return when;
}

/**
 * Validates a parsed routes document. `source` (a file name) prefixes every error:
 * "routes.json: routes[2].to.topicArn is not an SNS topic ARN: ...".
 */
export function parseRoutesConfig(doc: unknown, source = 'routes'): RoutesConfig {
  try {
    if (!isObject(doc)) fail('', `must be a JSON object with "routes", got ${kindOf(doc)}`);
    checkKeys(doc, '', ['routes', 'unmatched', '$schema', 'description']);
    if (!Array.isArray(doc.routes)) fail('routes', `is required: an array of routes, got ${kindOf(doc.routes)}`);
    const names = new Set<string>();
    const routes = doc.routes.map((route, i): Route => {
      const path = `routes[${i}]`;
      if (!isObject(route)) fail(path, `must be an object with name, when and to, got ${kindOf(route)}`);
      checkKeys(route, path, ['name', 'when', 'to', 'mode', 'shadowTopicArn', 'dedupe', 'description']);
      const { name } = route;
      if (typeof name !== 'string' || !ROUTE_NAME.test(name))
        fail(`${path}.name`, `must be 1-64 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(name)}`);
      if (names.has(name)) fail(`${path}.name`, `"${name}" is used by an earlier route; route names must be unique`);
      names.add(name);
      const to = parseDestination(route.to, `${path}.to`);
      const { dedupe = false } = route;
      if (typeof dedupe !== 'boolean') fail(`${path}.dedupe`, `must be true or false, got ${JSON.stringify(dedupe)}`);
      return { name, when: parseWhen(route.when, `${path}.when`), to, ...parseMode(route, path, to), dedupe };
    });
    return { routes, unmatched: parseUnmatched(doc.unmatched) };
  } catch (err) {
    if (err instanceof FieldError) throw err.inFile(source);
    throw err;
  }
}

function parseMode(route: JsonObject, path: string, to: Destination): Required<Pick<Route, 'mode' | 'shadowTopicArn'>> {
  const { mode = 'live', shadowTopicArn = null } = route;
  if (typeof mode !== 'string' || !(ROUTE_MODES as readonly string[]).includes(mode))
    fail(`${path}.mode`, `must be "live" or "shadow", got ${JSON.stringify(mode)}`);
  if (shadowTopicArn !== null) {
    if (typeof shadowTopicArn !== 'string')
      fail(`${path}.shadowTopicArn`, `must be an SNS topic ARN, got ${kindOf(shadowTopicArn)}`);
    checkTopicArn(shadowTopicArn, `${path}.shadowTopicArn`);
    if (shadowTopicArn === to.topicArn)
      fail(`${path}.shadowTopicArn`, 'is the live destination itself; a shadow topic must be another topic');
  } else if (mode === 'shadow') {
    fail(`${path}.shadowTopicArn`, 'is required with mode "shadow": the topic that receives the shadow deliveries');
  }
  return { mode: mode as RouteMode, shadowTopicArn };
}

/** The topic a route publishes to: its shadow topic while it is in shadow mode. */
export function publishTopicOf(route: Route): string {
  return route.mode === 'shadow' ? (route.shadowTopicArn as string) : route.to.topicArn;
}

function parseUnmatched(value: unknown): Unmatched {
  if (value === undefined) return { action: 'drop' };
  if (!isObject(value)) fail('unmatched', `must be an object with "action", got ${kindOf(value)}`);
  checkKeys(value, 'unmatched', ['action', 'to']);
  switch (value.action) {
    case 'drop':
    case 'fail':
      if (value.to !== undefined) fail('unmatched.to', `is only allowed with action "deliver"`);
      return { action: value.action };
    case 'deliver':
      return { action: 'deliver', to: parseDestination(value.to, 'unmatched.to') };
    default:
      return fail('unmatched.action', `must be "drop", "fail" or "deliver", got ${JSON.stringify(value.action)}`);
  }
}

/** Every topic the configuration can publish to (for IAM: sns:Publish on exactly these). */
export function destinationTopics(config: RoutesConfig): string[] {
  const topics = new Set(config.routes.map(publishTopicOf));
  if (config.unmatched.action === 'deliver') topics.add(config.unmatched.to.topicArn);
  return [...topics];
}
