import { describe, expect, it } from 'vitest';
import { ConfigError } from '#lib/errors';
import { readFeedback } from '#lib/intake';
import { destinationTopics, parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes, route } from '#lib/routing/index';
import type { FeedbackEvent } from '#lib/ses/types';
import { loadEvent } from '#test/support/fixtures';

const ACME = 'arn:aws:sns:us-east-1:111122223333:acme-ses-feedback';
const BILLING = 'arn:aws:sns:eu-west-1:444455556666:billing';
const AUDIT = 'arn:aws:sns:us-east-1:888888888888:audit';

function eventOf(name: string, mutate: (record: any) => void = () => {}): FeedbackEvent {
  const record = loadEvent(`raw/${name}.json`);
  mutate(record);
  const [outcome] = readFeedback(record);
  if (outcome?.kind !== 'event') throw new Error('not an event');
  return outcome.event;
}

function configError(doc: unknown): string {
  try {
    parseRoutesConfig(doc, 'routes.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('validating the routes file', () => {
  const valid = {
    routes: [
      { name: 'acme', when: { sendingAccountId: '111122223333' }, to: { topicArn: ACME, format: 'notification' } },
    ],
  };

  it('accepts a valid file and defaults unmatched to drop', () => {
    expect(parseRoutesConfig(valid, 'routes.json')).toEqual({
      routes: [
        {
          name: 'acme',
          when: { sendingAccountId: ['111122223333'] },
          to: { topicArn: ACME, format: 'notification' },
          mode: 'live',
          shadowTopicArn: null,
          dedupe: false,
        },
      ],
      unmatched: { action: 'drop' },
    });
  });

  const cases: Array<[string, (doc: any) => void, string]> = [
    [
      'a topic ARN that is not one',
      (d) => (d.routes[0].to.topicArn = 'arn:aws:sqs:us-east-1:111122223333:q'),
      'routes.json: routes[0].to.topicArn is not an SNS topic ARN: "arn:aws:sqs:us-east-1:111122223333:q"',
    ],
    [
      'a FIFO topic',
      (d) => (d.routes[0].to.topicArn = `${ACME}.fifo`),
      'routes.json: routes[0].to.topicArn is a FIFO topic; only standard SNS topics are supported',
    ],
    [
      'an unknown format',
      (d) => (d.routes[0].to.format = 'xml'),
      'routes.json: routes[0].to.format must be one of original, notification, event, normalized, got "xml"',
    ],
    [
      'a duplicate name',
      (d) => d.routes.push(structuredClone(d.routes[0])),
      'routes.json: routes[1].name "acme" is used by an earlier route; route names must be unique',
    ],
    [
      'a bad name',
      (d) => (d.routes[0].name = 'acme corp'),
      'routes.json: routes[0].name must be 1-64 characters of A-Z a-z 0-9 _ -, got "acme corp"',
    ],
    [
      'a misspelt condition',
      (d) => (d.routes[0].when.sendingAcountId = '1'),
      'routes.json: routes[0].when.sendingAcountId unknown key "sendingAcountId": expected one of sendingAccountId, sourceArn, identity, configurationSet, callerIdentity, types, tags',
    ],
    [
      'a short account id',
      (d) => (d.routes[0].when.sendingAccountId = ['111122223333', '1234']),
      'routes.json: routes[0].when.sendingAccountId[1] must be a 12-digit AWS account id, got "1234"',
    ],
    [
      'an unknown type',
      (d) => (d.routes[0].when.types = ['bounce', 'Bounce']),
      'routes.json: routes[0].when.types[1] "Bounce" is not an event type: expected one of bounce, complaint, delivery, send, reject, open, click, rendering_failure, delivery_delay, subscription, unknown',
    ],
    [
      'an empty condition list',
      (d) => (d.routes[0].when.identity = []),
      'routes.json: routes[0].when.identity must be a string or a non-empty array of strings, got an array',
    ],
    [
      'a missing routes array',
      (d) => delete d.routes,
      'routes.json: routes is required: an array of routes, got nothing',
    ],
    [
      'deliver without a destination',
      (d) => (d.unmatched = { action: 'deliver' }),
      'routes.json: unmatched.to must be an object with topicArn and format, got nothing',
    ],
    [
      'a shadow route without a shadow topic',
      (d) => (d.routes[0].mode = 'shadow'),
      'routes.json: routes[0].shadowTopicArn is required with mode "shadow": the topic that receives the shadow deliveries',
    ],
    [
      'a shadow topic that is the live destination',
      (d) => Object.assign(d.routes[0], { mode: 'shadow', shadowTopicArn: ACME }),
      'routes.json: routes[0].shadowTopicArn is the live destination itself; a shadow topic must be another topic',
    ],
    [
      'a shadow topic that is not a topic',
      (d) => Object.assign(d.routes[0], { mode: 'shadow', shadowTopicArn: 'acme-shadow' }),
      'routes.json: routes[0].shadowTopicArn is not an SNS topic ARN: "acme-shadow"',
    ],
    [
      'an unknown mode',
      (d) => (d.routes[0].mode = 'dark'),
      'routes.json: routes[0].mode must be "live" or "shadow", got "dark"',
    ],
    [
      'a dedupe flag that is not a boolean',
      (d) => (d.routes[0].dedupe = 'yes'),
      'routes.json: routes[0].dedupe must be true or false, got "yes"',
    ],
    [
      'an unknown unmatched action',
      (d) => (d.unmatched = { action: 'retry' }),
      'routes.json: unmatched.action must be "drop", "fail" or "deliver", got "retry"',
    ],
  ];
  for (const [what, mutate, message] of cases) {
    it(`rejects ${what} with the path and what to fix`, () => {
      const doc = structuredClone(valid) as any;
      mutate(doc);
      expect(configError(doc)).toBe(message);
    });
  }

  it('lists every destination topic once, for IAM', () => {
    const config = parseRoutesConfig({
      routes: [
        { name: 'a', to: { topicArn: ACME } },
        { name: 'b', to: { topicArn: ACME, format: 'event' } },
      ],
      unmatched: { action: 'deliver', to: { topicArn: AUDIT, format: 'normalized' } },
    });
    expect(destinationTopics(config)).toEqual([ACME, AUDIT]);
  });
});

describe('matching routes', () => {
  const routes = compileRoutes(
    parseRoutesConfig({
      routes: [
        {
          name: 'acme-bounces',
          when: { sendingAccountId: '123456789012', types: ['bounce', 'complaint'] },
          to: { topicArn: ACME, format: 'notification' },
        },
        {
          name: 'acme-all',
          when: { sendingAccountId: ['123456789012', '111122223333'] },
          to: { topicArn: ACME, format: 'notification' },
        },
        {
          name: 'billing',
          when: { configurationSet: 'ConfigSet', tags: { 'ses:from-domain': ['example.com', 'example.org'] } },
          to: { topicArn: BILLING, format: 'event' },
        },
        {
          name: 'by-identity',
          when: { identity: 'example.com', callerIdentity: 'IAM_user_or_role_name' },
          to: { topicArn: AUDIT, format: 'original' },
        },
        { name: 'everything', to: { topicArn: AUDIT, format: 'normalized' } },
      ],
    }),
  );
  const names = (event: FeedbackEvent) => route(routes, event).map((d) => d.route);

  it('delivers to every matching route, once per (topic, format)', () => {
    // acme-bounces and acme-all share topic and format: delivered once, by the first route in file order.
    expect(names(eventOf('event-bounce'))).toEqual(['acme-bounces', 'billing', 'everything']);
  });

  it('requires every condition of a route to match', () => {
    expect(names(eventOf('event-delivery'))).toEqual(['acme-all', 'billing', 'everything']);
    expect(names(eventOf('event-delivery', (r) => (r.mail.tags['ses:from-domain'] = ['example.net'])))).toEqual([
      'acme-all',
      'everything',
    ]);
    expect(names(eventOf('legacy-bounce-with-dsn'))).toEqual(['acme-bounces', 'by-identity', 'everything']);
  });

  it('treats an absent field as not matching, and an empty when as matching everything', () => {
    const event = eventOf('event-open', (r) => {
      r.mail.sendingAccountId = '999999999999';
      delete r.mail.tags;
    });
    expect(names(event)).toEqual(['everything']);
  });

  it('takes no destination from the payload', () => {
    const event = eventOf('event-bounce', (r) => {
      r.mail.tags.topicArn = ['arn:aws:sns:us-east-1:666666666666:attacker'];
      r.topicArn = 'arn:aws:sns:us-east-1:666666666666:attacker';
    });
    expect(route(routes, event).map((d) => d.topicArn)).toEqual([ACME, BILLING, AUDIT]);
  });
});

describe('shadow routes', () => {
  const SHADOW = 'arn:aws:sns:us-east-1:999999999999:acme-shadow';
  const doc = (mode: 'live' | 'shadow') => ({
    routes: [
      {
        name: 'acme',
        when: { sendingAccountId: '111122223333' },
        to: { topicArn: ACME, format: 'notification' },
        mode,
        shadowTopicArn: SHADOW,
      },
      { name: 'audit', to: { topicArn: AUDIT, format: 'normalized' } },
    ],
  });
  const acmeBounce = () => eventOf('legacy-bounce-with-dsn', (r) => (r.mail.sendingAccountId = '111122223333'));

  it('deliver to the shadow topic, marked shadow, and never to the live destination', () => {
    const deliveries = route(compileRoutes(parseRoutesConfig(doc('shadow'))), acmeBounce());
    expect(deliveries).toEqual([
      { route: 'acme', topicArn: SHADOW, format: 'notification', shadow: true, dedupe: false },
      { route: 'audit', topicArn: AUDIT, format: 'normalized', shadow: false, dedupe: false },
    ]);
  });

  it('go live by changing the mode alone: the same file then delivers to the live destination', () => {
    const deliveries = route(compileRoutes(parseRoutesConfig(doc('live'))), acmeBounce());
    expect(deliveries[0]).toEqual({
      route: 'acme',
      topicArn: ACME,
      format: 'notification',
      shadow: false,
      dedupe: false,
    });
  });

  it('grant publishing on the shadow topic only while shadowed, on the live one once live', () => {
    expect(destinationTopics(parseRoutesConfig(doc('shadow')))).toEqual([SHADOW, AUDIT]);
    expect(destinationTopics(parseRoutesConfig(doc('live')))).toEqual([ACME, AUDIT]);
  });
});

describe('tag conditions named like object members', () => {
  const config = (name: string) =>
    compileRoutes(
      parseRoutesConfig(
        JSON.parse(`{"routes":[{"name":"a","when":{"tags":{"${name}":"x"}},"to":{"topicArn":"${ACME}"}}]}`),
      ),
    );
  const tagged = (tags: Record<string, string[]>) =>
    eventOf('event-bounce', (r) => {
      r.mail.tags = tags;
    });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'keep a condition on the tag %s, matching only records that carry it',
    (name) => {
      const routes = config(name);
      expect(route(routes, tagged({}))).toEqual([]);
      expect(route(routes, tagged(JSON.parse(`{"${name}":["x"]}`)))).toHaveLength(1);
      expect(route(routes, tagged(JSON.parse(`{"${name}":["y"]}`)))).toEqual([]);
    },
  );
});
