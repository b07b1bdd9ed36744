/**
 * The awsQuery form body of one SNS PublishBatch request, written straight into bytes. It produces the same
 * bytes as the SDK's own query serializer (`QueryShapeSerializer` + `extendedEncodeURIComponent`: RFC 3986
 * unreserved characters kept, every other UTF-8 byte as `%XX` in upper case) for the inputs the publisher sends,
 * without the per-value regular expressions and string concatenations. `test/unit/publish/publish-batch-body.test.ts`
 * checks the equality on random batches; lib/publish/sns-protocol.ts checks it again at run time and falls back to
 * the SDK's serializer when they differ.
 *
 * Anything outside the shape it knows (a non-string field, a lone surrogate, which the SDK refuses with a
 * URIError, an empty entry list) gives `undefined`: the caller then uses the SDK's serializer.
 */
import type { MessageAttributeValue, PublishBatchInput } from '@aws-sdk/client-sns';

/**
 * What each byte becomes, packed for one 32-bit little-endian store: the byte itself for the ones
 * `extendedEncodeURIComponent` keeps (A-Z a-z 0-9 - _ . ~), else `%XX` in upper case; the top byte is how many of
 * the stored bytes count (1 or 3). One store per byte and no branch: the bytes past the count are overwritten next.
 */
const ENCODED = new Uint32Array(256);
for (let b = 0; b < 256; b++) {
  const kept = /^[A-Za-z0-9_.~-]$/.test(String.fromCharCode(b));
  const hex = b.toString(16).toUpperCase().padStart(2, '0');
  ENCODED[b] = kept ? b | (1 << 24) : 0x25 | (hex.charCodeAt(0) << 8) | (hex.charCodeAt(1) << 16) | (3 << 24);
}

/** At most 9 bytes per UTF-16 unit: one unit is at most 3 UTF-8 bytes, each `%XX` (a surrogate pair: 4 for 2). */
const MAX_BYTES_PER_UNIT = 9;

/**
 * Bodies are written straight into a shared slab and handed out as views of it, like Node's own Buffer pool: no
 * allocation and no copy per request (a request's body lives until its response, a few at a time). A body whose
 * bound exceeds the slab gets a buffer of its own.
 */
const SLAB_BYTES = 4 << 20;
// Allocated on first use, not at cold start.
let slab = Buffer.alloc(0);
let slabView: DataView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
let slabUsed = 0;

/** The UTF-8 bytes of the value being encoded; grows as needed and is reused. */
let utf8 = Buffer.alloc(0);

const viewOf = (buffer: Buffer): DataView => new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/**
 * A writer for a body of at most `bound` bytes. The bound leaves room for the 3 bytes a store may write past the
 * end of the last value.
 */
function writerFor(bound: number): Writer {
  if (bound > SLAB_BYTES) {
    const own = Buffer.allocUnsafeSlow(bound);
    return new Writer(own, viewOf(own), 0);
  }
  if (slabUsed + bound > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabView = viewOf(slab);
    slabUsed = 0;
  }
  return new Writer(slab, slabView, slabUsed);
}

/** ES2024 String.prototype.isWellFormed (Node 20+): false when the text holds a lone surrogate. */
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

class Writer {
  readonly start: number;
  constructor(
    readonly out: Buffer,
    readonly view: DataView,
    public pos: number,
  ) {
    this.start = pos;
  }

  /** ASCII text that needs no encoding (keys, made of [A-Za-z0-9.]). */
  raw(text: string): void {
    this.pos += this.out.write(text, this.pos, 'latin1');
  }

  /**
   * Percent-encodes the UTF-8 bytes of `text` as extendedEncodeURIComponent does; false for a lone surrogate
   * (encodeURIComponent throws a URIError for it; Buffer would write U+FFFD instead).
   */
  encoded(text: string): boolean {
    if (!isWellFormed(text)) return false;
    if (utf8.length < text.length * 3) utf8 = Buffer.allocUnsafe(Math.max(text.length * 3, utf8.length * 2, 1 << 16));
    const bytes = utf8;
    const n = bytes.write(text, 0, 'utf8');
    const view = this.view;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const e = ENCODED[bytes[i] as number] as number;
      view.setUint32(pos, e, true);
      pos += e >>> 24;
    }
    this.pos = pos;
    return true;
  }

  /** The body written, as a view of the buffer. */
  body(): Buffer {
    if (this.out === slab) slabUsed = (this.pos + 7) & ~7;
    return this.out.subarray(this.start, this.pos);
  }
}

/**
 * The string fields of an entry, in the order of the SDK's schema (PublishBatchRequestEntry): attributes go
 * between.
 */
const ENTRY_FIELDS = ['Id', 'Message', 'Subject', 'MessageStructure'] as const;
const ENTRY_FIELDS_AFTER = ['MessageDeduplicationId', 'MessageGroupId'] as const;
const STRING_FIELDS = [...ENTRY_FIELDS, ...ENTRY_FIELDS_AFTER] as const;

/** An upper bound of the body's bytes; `undefined` when the input is not of the shape this writer knows. */
function boundOf(input: PublishBatchInput): number | undefined {
  const entries = input.PublishBatchRequestEntries;
  if (typeof input.TopicArn !== 'string' || !Array.isArray(entries) || entries.length === 0) return undefined;
  // Keys: the longest is about 110 bytes; 200 per value leaves room for the index digits.
  let units = input.TopicArn.length;
  let values = 3;
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') return undefined;
    for (const field of STRING_FIELDS) {
      const value = entry[field];
      if (value == null) continue;
      if (typeof value !== 'string') return undefined;
      units += value.length;
      values++;
    }
    const attributes = entry.MessageAttributes;
    if (attributes == null) continue;
    if (typeof attributes !== 'object') return undefined;
    for (const name in attributes) {
      const value = attributes[name];
      if (value == null) continue;
      const size = attributeUnits(value);
      if (size === undefined) return undefined;
      units += name.length + size;
      values += 4;
    }
  }
  return units * MAX_BYTES_PER_UNIT + values * 200;
}

function attributeUnits(value: MessageAttributeValue): number | undefined {
  if (typeof value !== 'object' || typeof value.DataType !== 'string') return undefined;
  let units = value.DataType.length;
  if (value.StringValue != null) {
    if (typeof value.StringValue !== 'string') return undefined;
    units += value.StringValue.length;
  }
  if (value.BinaryValue != null) {
    if (!(value.BinaryValue instanceof Uint8Array)) return undefined;
    units += Math.ceil(value.BinaryValue.byteLength / 3) * 4;
  }
  return units;
}

/**
 * The whole form body (`Action=PublishBatch&Version=...` first), or `undefined` when the SDK's serializer must
 * write it. Members are written in the schema's order, map entries in the object's key order, null members
 * skipped, as the SDK does.
 */
export function publishBatchBody(input: PublishBatchInput, version: string): Buffer | undefined {
  const bound = boundOf(input);
  if (bound === undefined) return undefined;
  const w = writerFor(bound);
  w.raw(`Action=PublishBatch&Version=`);
  if (!w.encoded(version)) return undefined;
  w.raw('&TopicArn=');
  if (!w.encoded(input.TopicArn as string)) return undefined;
  let n = 0;
  for (const entry of input.PublishBatchRequestEntries ?? []) {
    const prefix = `&PublishBatchRequestEntries.member.${++n}.`;
    for (const field of ENTRY_FIELDS) {
      const value = entry[field];
      if (value == null) continue;
      w.raw(`${prefix}${field}=`);
      if (!w.encoded(value)) return undefined;
    }
    const attributes = entry.MessageAttributes;
    if (attributes != null) {
      let a = 0;
      for (const name in attributes) {
        const value = attributes[name];
        if (value == null) continue;
        const key = `${prefix}MessageAttributes.entry.${++a}.`;
        w.raw(`${key}Name=`);
        if (!w.encoded(name)) return undefined;
        w.raw(`${key}Value.DataType=`);
        if (!w.encoded(value.DataType as string)) return undefined;
        if (value.StringValue != null) {
          w.raw(`${key}Value.StringValue=`);
          if (!w.encoded(value.StringValue)) return undefined;
        }
        if (value.BinaryValue != null) {
          const bytes = value.BinaryValue;
          w.raw(`${key}Value.BinaryValue=`);
          w.encoded(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
        }
      }
    }
    for (const field of ENTRY_FIELDS_AFTER) {
      const value = entry[field];
      if (value == null) continue;
      w.raw(`${prefix}${field}=`);
      if (!w.encoded(value)) return undefined;
    }
  }
  return w.body();
}
