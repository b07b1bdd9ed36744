import { describe, expect, it } from 'vitest';
import { PairTally } from '#lib/tally';

describe('PairTally', () => {
  it('adds counts per pair and lists them sorted by the first string, then the second', () => {
    const tally = new PairTally();
    tally.add('render_failed', 'redriven');
    tally.add('NotFound', 'left parked: still poison (NotFound)', 2);
    tally.add('render_failed', 'left parked: delivery failed, run again later');
    tally.add('render_failed', 'redriven', 3);
    expect(tally.size).toBe(3);
    expect(tally.rows()).toEqual([
      ['NotFound', 'left parked: still poison (NotFound)', 2],
      ['render_failed', 'left parked: delivery failed, run again later', 1],
      ['render_failed', 'redriven', 4],
    ]);
  });

  it('keeps pairs apart whatever characters their strings hold', () => {
    const tally = new PairTally();
    tally.add('a\tb', 'c');
    tally.add('a', 'b\tc');
    expect(tally.rows()).toEqual([
      ['a', 'b\tc', 1],
      ['a\tb', 'c', 1],
    ]);
  });
});
