import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDryRunPublisher, dryRunMessageId } from '#lib/publish/dry-run';
import { publishAll } from '#lib/publish/index';
import { type OutboundMessage, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:delegate-a';
const message = (key: string, body = `{"key":"${key}"}`): OutboundMessage => ({
  key,
  topicArn: TOPIC,
  body,
  attributes: { eventType: { DataType: 'String', StringValue: 'Bounce' } },
});

describe('the dry-run publisher', () => {
  it('writes one JSON line per message with the topic, the exact body and the attributes', async () => {
    const lines: string[] = [];
    const outcomes = await publishAll(
      createDryRunPublisher((text) => lines.push(text)),
      [message('a'), message('b', 'line 1\nline 2')],
    );
    expect(lines).toEqual([
      `{"topicArn":"${TOPIC}","body":"{\\"key\\":\\"a\\"}","attributes":{"eventType":{"DataType":"String","StringValue":"Bounce"}}}\n`,
      `{"topicArn":"${TOPIC}","body":"line 1\\nline 2","attributes":{"eventType":{"DataType":"String","StringValue":"Bounce"}}}\n`,
    ]);
    expect(outcomes.map((o) => [o.key, o.status])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
  });

  it('writes to a stream such as stdout or a file', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    await publishAll(createDryRunPublisher(stream), [message('a')]);
    expect(JSON.parse(chunks.join(''))).toEqual({
      topicArn: TOPIC,
      body: '{"key":"a"}',
      attributes: { eventType: { DataType: 'String', StringValue: 'Bounce' } },
    });
  });

  it('gives the same message the same UUID-shaped MessageId on every run, and different messages different ids', async () => {
    const publish = (m: OutboundMessage) =>
      publishAll(
        createDryRunPublisher(() => undefined),
        [m],
      );
    const [first] = await publish(message('a'));
    const [again] = await publish(message('a'));
    const [other] = await publish(message('b'));
    expect(first).toEqual(again);
    expect(first!.status === 'ok' && first!.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(other).not.toEqual(first);
    expect(dryRunMessageId('x')).toBe(dryRunMessageId('x'));
  });

  it('reports a message SNS would refuse for its size as message_too_large and does not write it', async () => {
    const lines: string[] = [];
    const outcomes = await publishAll(
      createDryRunPublisher((text) => lines.push(text)),
      [message('big', 'x'.repeat(SNS_MAX_PAYLOAD_BYTES)), message('small')],
    );
    expect(outcomes[0]).toMatchObject({ key: 'big', status: 'poison', code: 'message_too_large' });
    expect(outcomes[1]).toMatchObject({ key: 'small', status: 'ok' });
    expect(lines).toHaveLength(1);
  });
});
