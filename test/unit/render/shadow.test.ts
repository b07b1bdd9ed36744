import { describe, expect, it } from 'vitest';
import { readFeedback } from '#lib/intake';
import { render } from '#lib/render/index';
import { eventText } from '#test/support/fixtures';

const SHADOW = 'arn:aws:sns:us-east-1:999999999999:acme-shadow';

describe('rendering for a shadow route', () => {
  const text = eventText('raw/legacy-bounce-with-dsn.json');
  const [outcome] = readFeedback(JSON.parse(text), text);
  if (outcome?.kind !== 'event') throw new Error('not an event');

  it('marks the message with a shadow attribute and keeps the body and other attributes', () => {
    const live = render(outcome.event, outcome.record, SHADOW, 'notification');
    const shadow = render(outcome.event, outcome.record, SHADOW, 'notification', true);
    if (live.kind !== 'message' || shadow.kind !== 'message') throw new Error('not rendered');
    expect(shadow.body).toBe(live.body);
    expect(shadow.attributes).toEqual({ ...live.attributes, shadow: { DataType: 'String', StringValue: 'true' } });
    expect(live.attributes.shadow).toBeUndefined();
    expect(Object.keys(shadow.attributes).length).toBeLessThanOrEqual(10);
  });
});
