import { describe, expect, it } from 'vitest';
import { park } from '#lib/pipeline/parking';
import type { ParkedRecord } from '#lib/pipeline/report';
import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';

const PARKING = 'arn:aws:sns:us-east-1:888888888888:bridge-parking';
const routes = compileRoutes(parseRoutesConfig({ routes: [], unmatched: { action: 'drop' } }));

function parked(parkId: string, text: string): ParkedRecord {
  return {
    parkId,
    parkedAt: '2026-01-01T00:00:00.000Z',
    code: 'message_too_large',
    reason: 'too large',
    route: null,
    topicArn: null,
    messageId: null,
    type: null,
    path: 'Records[0].body',
    transport: null,
    text,
  };
}

/** A publisher that refuses the messages `refuse` picks and answers in reverse order when asked to. */
function publisher(refuse: (m: OutboundMessage, n: number) => boolean, reverse = false) {
  const sent: OutboundMessage[] = [];
  const p: Publisher = {
    open: () => {
      const added: OutboundMessage[] = [];
      return {
        add: (m) => added.push(m),
        finish: async () => {
          sent.push(...added);
          const out = added.map(
            (m, n): PublishOutcome =>
              refuse(m, n)
                ? { key: m.key, status: 'retryable', code: 'InternalError', reason: 'test' }
                : { key: m.key, status: 'ok', messageId: `id-${n}` },
          );
          return reverse ? out.reverse() : out;
        },
      };
    },
  };
  return { p, sent };
}

describe('parking', () => {
  // Over 256 KiB of text: parked in two parts.
  const large = parked('a'.repeat(32), 'x'.repeat(300_000));
  const small = parked('b'.repeat(32), '{"mail":{}}');

  it('parks a record in parts only when every part is published, and its neighbours regardless', async () => {
    const { p, sent } = publisher((_, n) => n === 1);
    const result = await park(
      [
        { item: 0, record: large },
        { item: 1, record: small },
      ],
      { routes, publisher: p, parkingTopicArn: PARKING },
    );
    expect(sent.map((m) => JSON.parse(m.body).part ?? 'whole')).toEqual([1, 2, 'whole']);
    expect(result.unparked.map((u) => u.record.parkId)).toEqual([large.parkId]);
    expect(result.parked.map((u) => u.record.parkId)).toEqual([small.parkId]);
  });

  it('reads the outcomes of a publisher that answers out of order by their keys', async () => {
    const { p } = publisher((_, n) => n === 2, true);
    const result = await park(
      [
        { item: 0, record: large },
        { item: 1, record: small },
      ],
      { routes, publisher: p, parkingTopicArn: PARKING },
    );
    expect(result.parked.map((u) => u.record.parkId)).toEqual([large.parkId]);
    expect(result.unparked.map((u) => u.record.parkId)).toEqual([small.parkId]);
  });

  it('leaves every record unparked when there is no parking topic, publishing nothing', async () => {
    const { p, sent } = publisher(() => false);
    const result = await park([{ item: 0, record: small }], { routes, publisher: p, parkingTopicArn: null });
    expect(result).toEqual({ parked: [], unparked: [{ item: 0, record: small }], refused: [] });
    expect(sent).toEqual([]);
  });
});
