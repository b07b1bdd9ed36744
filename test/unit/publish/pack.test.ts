import { describe, expect, it } from 'vitest';
import { BatchPacker, packBatches } from '#lib/publish/pack';
import { SNS_MAX_BATCH_ENTRIES, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';

const ids = (batches: Array<Array<{ i: number }>>) => batches.map((b) => b.map((x) => x.i));

describe('packBatches', () => {
  it('packs first fit, so a small message fills the room a large one left', () => {
    const sizes = [200_000, 200_000, 50_000, 10_000].map((bytes, i) => ({ i, bytes }));
    expect(packBatches(sizes).map((b) => b.map((x) => x.i))).toEqual([[0, 2, 3], [1]]);
  });

  it('packs the same batches from upper bounds as from exact sizes, reading exact sizes only near the limit', () => {
    // Bounds from 1x to 3x the exact size, as a UTF-16 length times 3 is for UTF-8.
    const exact = [30_000, 90_000, 5_000, 60_000, 2_000, 80_000, 40_000, 1_000, 70_000, 20_000, 100_000, 3_000];
    const read: number[] = [];
    const items = exact.map((bytes, i) => ({
      i,
      bound: bytes * (1 + (i % 3)),
      get bytes() {
        read.push(i);
        return bytes;
      },
    }));

    expect(ids(packBatches(items))).toEqual(ids(packBatches(exact.map((bytes, i) => ({ i, bytes })))));
    expect(read.length).toBeGreaterThan(0);
    read.length = 0;
    // Ten messages of 8 KB fit a request even at their bound: no exact size is read at all.
    const small = exact.map((_, i) => ({
      i,
      bound: 3 * 8_000,
      get bytes() {
        read.push(i);
        return 8_000;
      },
    }));
    expect(ids(packBatches(small))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11],
    ]);
    expect(read).toEqual([]);
  });

  it('answers no items with no batches', () => {
    expect(packBatches([])).toEqual([]);
  });

  it('fills a batch to exactly the byte limit, and starts another for one byte more', () => {
    const half = SNS_MAX_PAYLOAD_BYTES / 2;
    const items = [half, half, half, half + 1].map((bytes, i) => ({ i, bytes }));
    expect(ids(packBatches(items))).toEqual([[0, 1], [2], [3]]);
  });

  it('puts an item larger than the limit alone in its own batch', () => {
    const items = [10, SNS_MAX_PAYLOAD_BYTES + 1, 10].map((bytes, i) => ({ i, bytes }));
    expect(ids(packBatches(items))).toEqual([[0, 2], [1]]);
  });

  it('never puts more than 10 items in a batch, however small they are', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ i, bytes: 1 }));
    expect(packBatches(items).map((b) => b.length)).toEqual([10, 10, 5]);
  });
});

describe('BatchPacker', () => {
  it('hands a batch back the moment it holds 10 entries, and keeps it closed afterwards', () => {
    const packer = new BatchPacker<{ i: number; bytes: number }>();
    const full: number[][] = [];
    for (let i = 0; i < SNS_MAX_BATCH_ENTRIES * 2 + 3; i++) {
      const batch = packer.add({ i, bytes: 100 });
      if (batch !== undefined) full.push(batch.items.map((x) => x.i));
    }
    expect(full).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    ]);
    expect(packer.drain().map((b) => b.items.map((x) => x.i))).toEqual([[20, 21, 22]]);
    expect(packer.drain()).toEqual([]);
  });

  it('returns the open batches in the order they were started, with their creation order', () => {
    const packer = new BatchPacker<{ i: number; bytes: number }>(10, 100);
    for (const [i, bytes] of [60, 60, 30, 30].entries()) packer.add({ i, bytes });
    expect(packer.drain().map((b) => ({ order: b.order, items: b.items.map((x) => x.i) }))).toEqual([
      { order: 0, items: [0, 2] },
      { order: 1, items: [1, 3] },
    ]);
  });
});
