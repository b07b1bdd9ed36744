/**
 * What redrive reads: queue messages (or file lines) turned into units, one per record to run again. A parked
 * record is the parking message lib/pipeline writes (raw delivery, or inside an SNS envelope when raw delivery is
 * off); a record too large for one parking message comes in parts that share its `parkId` and arrive in any order,
 * so parts wait here until all are in. Anything else (an intake DLQ message) is a trigger item: its body is run
 * again as it is.
 */
import { isObject } from '#lib/json';

/** One queue message (or file line) as read. `handle` is its receipt handle; null for a file line. */
export interface SourceMessage {
  id: string;
  body: string;
  handle: string | null;
  /** Epoch ms the message was sent (SQS SentTimestamp), for DLQ messages' age. */
  sentAt: number | null;
}

/** One record to run again, and the messages to delete once it is delivered. */
export interface RedriveUnit {
  /** The parkId, or the message id of a DLQ message. */
  id: string;
  /** The text to run through the routes: the parked record's original text, or the DLQ message's body. */
  text: string;
  /** Why it was parked; `dlq` for an intake DLQ message. */
  code: string;
  /** The route it was parked for, if any. */
  route: string | null;
  /** Epoch ms it was parked (or sent to the queue). */
  at: number | null;
  handles: string[];
}

/** What a message body is: a parked record (whole or one part), a DLQ message, or a parked record without text. */
export type Classified =
  | { kind: 'unit'; unit: RedriveUnit }
  | { kind: 'part'; parkId: string; part: number; parts: number; unit: RedriveUnit }
  | { kind: 'unusable'; id: string; code: string; reason: string; handle: string | null };

interface ParkedBody {
  parkId: string;
  parkedAt?: unknown;
  code: string;
  route?: unknown;
  text: unknown;
  part?: unknown;
  parts?: unknown;
}

function parkedBody(value: unknown): ParkedBody | null {
  if (!isObject(value)) return null;
  if (typeof value.parkId !== 'string' || typeof value.code !== 'string' || !('text' in value)) return null;
  return value as unknown as ParkedBody;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads one message: a parked record (raw or in an SNS envelope), or a trigger item from a DLQ. */
export function classify(message: SourceMessage): Classified {
  let value = parse(message.body);
  // Raw delivery off: the parking message is the envelope's Message.
  if (isObject(value) && value.Type === 'Notification' && typeof value.Message === 'string') {
    const inner = parse(value.Message);
    if (parkedBody(inner) !== null) value = inner;
  }
  const parked = parkedBody(value);
  const handles = message.handle === null ? [] : [message.handle];
  if (parked === null) {
    return {
      kind: 'unit',
      unit: { id: message.id, text: message.body, code: 'dlq', route: null, at: message.sentAt, handles },
    };
  }
  if (typeof parked.text !== 'string') {
    return {
      kind: 'unusable',
      id: parked.parkId,
      code: parked.code,
      reason: 'the parked record has no text to run again (an EventBridge record too deep to write back)',
      handle: message.handle,
    };
  }
  const at = typeof parked.parkedAt === 'string' ? Date.parse(parked.parkedAt) : Number.NaN;
  const unit: RedriveUnit = {
    id: parked.parkId,
    text: parked.text,
    code: parked.code,
    route: typeof parked.route === 'string' ? parked.route : null,
    at: Number.isNaN(at) ? message.sentAt : at,
    handles,
  };
  const { part, parts } = parked;
  if (typeof part === 'number' && typeof parts === 'number' && parts > 1) {
    return { kind: 'part', parkId: parked.parkId, part, parts, unit };
  }
  return { kind: 'unit', unit };
}

/**
 * Joins the parts of records parked in parts. Only incomplete records are held; a part seen twice (a message
 * delivered twice) is kept once, its extra receipt handle deleted with the others.
 */
export class PartAssembler {
  readonly #waiting = new Map<string, { parts: number; texts: Map<number, string>; unit: RedriveUnit }>();

  /** Adds a part; returns the whole record once its last part is in. */
  add(c: Extract<Classified, { kind: 'part' }>): RedriveUnit | undefined {
    let entry = this.#waiting.get(c.parkId);
    if (entry === undefined) {
      entry = { parts: c.parts, texts: new Map(), unit: { ...c.unit, handles: [] } };
      this.#waiting.set(c.parkId, entry);
    }
    entry.texts.set(c.part, c.unit.text);
    entry.unit.handles.push(...c.unit.handles);
    if (entry.texts.size < entry.parts) return undefined;
    this.#waiting.delete(c.parkId);
    let text = '';
    for (let i = 1; i <= entry.parts; i++) text += entry.texts.get(i) ?? '';
    return { ...entry.unit, text };
  }

  /** Records still missing parts, with the handles of the parts read. */
  incomplete(): Array<{ id: string; code: string; have: number; parts: number; handles: string[] }> {
    return [...this.#waiting.entries()].map(([id, e]) => ({
      id,
      code: e.unit.code,
      have: e.texts.size,
      parts: e.parts,
      handles: e.unit.handles,
    }));
  }
}
