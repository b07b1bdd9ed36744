/**
 * Packing messages into PublishBatch requests: at most 10 entries and 256 KiB per request, first fit, input order
 * kept. Generic over the item, so it knows nothing of SNS but its two limits.
 */
import { SNS_MAX_BATCH_ENTRIES, SNS_MAX_PAYLOAD_BYTES } from '#lib/publish/types';

/** One PublishBatch request being packed: `bytes` is the exact total, summed from the items when first needed. */
export interface Bin<T> {
  items: T[];
  bound: number;
  bytes: number | undefined;
  /** Creation order: the n-th batch started. */
  order: number;
}

/**
 * Packs messages into PublishBatch requests of at most `maxEntries` entries and `maxBytes` bytes (the aggregate of
 * bodies and attributes: SNS API reference, PublishBatch). First fit, in input order: each message joins the first
 * open batch with room, so mixed sizes need fewer requests and every batch keeps input order. A batch that reaches
 * `maxEntries` can take nothing more, so `add` hands it back at once: a session sends it while later messages are
 * still being rendered. An item may carry `bound`, an upper bound of its `bytes`: when the bounds fit, the exact
 * sizes do too, so `bytes` is read only for a batch near the limit; the batches are the same as with exact sizes.
 */
export class BatchPacker<T extends { bytes: number; bound?: number }> {
  #open: Array<Bin<T>> = [];
  #started = 0;

  constructor(
    readonly maxEntries = SNS_MAX_BATCH_ENTRIES,
    readonly maxBytes = SNS_MAX_PAYLOAD_BYTES,
  ) {}

  /** Adds an item; returns its batch when that batch is now full (and no longer open). */
  add(item: T): Bin<T> | undefined {
    const size = item.bound ?? item.bytes;
    let target: Bin<T> | undefined;
    for (const bin of this.#open) {
      if (this.#fits(bin, item, size)) {
        target = bin;
        break;
      }
    }
    if (target === undefined) {
      target = { items: [], bound: 0, bytes: undefined, order: this.#started++ };
      this.#open.push(target);
    }
    target.items.push(item);
    target.bound += size;
    if (target.bytes !== undefined) target.bytes += item.bytes;
    if (target.items.length < this.maxEntries) return undefined;
    this.#open.splice(this.#open.indexOf(target), 1);
    return target;
  }

  /** The batches still open, in the order they were started; the packer is empty afterwards. */
  drain(): Array<Bin<T>> {
    return this.#open.splice(0);
  }

  #fits(bin: Bin<T>, item: T, size: number): boolean {
    if (bin.bound + size <= this.maxBytes) return true;
    bin.bytes ??= bin.items.reduce((sum, i) => sum + i.bytes, 0);
    return bin.bytes + item.bytes <= this.maxBytes;
  }
}

/** {@link BatchPacker} over items already in hand: the batches in the order they were started. */
export function packBatches<T extends { bytes: number; bound?: number }>(
  items: readonly T[],
  maxEntries = SNS_MAX_BATCH_ENTRIES,
  maxBytes = SNS_MAX_PAYLOAD_BYTES,
): T[][] {
  const packer = new BatchPacker<T>(maxEntries, maxBytes);
  const bins: Array<Bin<T>> = [];
  for (const item of items) {
    const full = packer.add(item);
    if (full !== undefined) bins.push(full);
  }
  bins.push(...packer.drain());
  return bins.sort((a, b) => a.order - b.order).map((b) => b.items);
}
