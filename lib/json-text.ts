/**
 * Finding and rewriting the members of an object inside a JSON text, without parsing it: what lets a format
 * conversion (lib/render) splice a record's original text instead of re-serializing its parsed tree, which costs
 * most on `mail.headers`, a member the conversion passes through unchanged.
 * Every text given here has already been parsed successfully: nothing checks its syntax again, so on text that
 * does not parse the answers mean nothing.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Where one member of an object is: indexes into the text, `valueEnd` just past the value. */
export interface MemberSpan {
  /** Which of the keys asked for (its index in `keys`). */
  key: number;
  /** The key's opening quote. */
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

export interface ObjectMembers {
  /** The object's `{`. */
  start: number;
  /** Just past the object's `}`. */
  end: number;
  /** The members whose keys were asked for, in text order. */
  members: MemberSpan[];
  /**
   * True when an asked-for key occurs more than once: JSON.parse keeps the last value (at the first one's place), so
   * a splice could not stand for the parsed object; callers fall back to re-serializing it.
   */
  duplicate: boolean;
  /** The members of the first asked-for key's object value, when `innerKeys` asked for them; else null. */
  inner: ObjectMembers | null;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipWhitespace(text: string, i: number): number {
  while (isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/** Just past the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  // indexOf jumps over the content; a quote is escaped only when an odd number of backslashes precedes it.
  for (;;) {
    // Only on a text that is not the one parsed: ends the scan rather than looping (and findMembers answers null).
    if (quote < 0) return text.length;
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
}

/** Just past the value that starts at `start`. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    // The text is valid JSON, so braces and brackets pair up: one depth counter serves both. A loop rather than
    // recursion: a record may nest deeper than the stack (see the normalizer's property tests).
    let depth = 0;
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
    return text.length;
  }
  // A number, true, false or null ends where the member or element does.
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) return i;
    i++;
  }
  return i;
}

/** Which of `keys` the key string spanning [start, end) (quotes included) is, or -1. */
function keyIndex(text: string, start: number, end: number, keys: readonly string[]): number {
  const length = end - start - 2;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k] as string;
    if (key.length === length && text.startsWith(key, start + 1)) return k;
  }
  // Spelled with escapes ("t\u0061gs" is "tags"), a key is longer than what it reads: decode the rare one that is.
  for (let i = start + 1; i < end - 1; i++) {
    if (text.charCodeAt(i) === BACKSLASH) return keys.indexOf(JSON.parse(text.slice(start, end)) as string);
  }
  return -1;
}

/**
 * The members named `keys` (plain keys, no quotes or backslashes) of the object starting at `start` (whitespace
 * before it allowed), or null when no whole object starts there. With `innerKeys`, the members of that name in the
 * value of `keys[0]` too, found in the same pass: a caller that wants both would otherwise scan that value twice.
 */
export function findMembers(
  text: string,
  start: number,
  keys: readonly string[],
  innerKeys: readonly string[] | null = null,
): ObjectMembers | null {
  const open = skipWhitespace(text, start);
  if (text.charCodeAt(open) !== OPEN_BRACE) return null;
  const members: MemberSpan[] = [];
  let duplicate = false;
  let inner: ObjectMembers | null = null;
  let i = skipWhitespace(text, open + 1);
  if (text.charCodeAt(i) !== CLOSE_BRACE) {
    for (;;) {
      const keyStart = i;
      const keyEnd = stringEnd(text, keyStart);
      const valueStart = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1); // past the colon
      const key = keyIndex(text, keyStart, keyEnd, keys);
      let end: number;
      if (key === 0 && innerKeys !== null && text.charCodeAt(valueStart) === OPEN_BRACE) {
        inner = findMembers(text, valueStart, innerKeys);
        if (inner === null) return null;
        end = inner.end;
      } else {
        end = valueEnd(text, valueStart);
      }
      if (key >= 0) {
        for (const seen of members) if (seen.key === key) duplicate = true;
        members.push({ key, keyStart, valueStart, valueEnd: end });
      }
      i = skipWhitespace(text, end);
      if (text.charCodeAt(i) !== COMMA) break;
      i = skipWhitespace(text, i + 1);
    }
    if (text.charCodeAt(i) !== CLOSE_BRACE) return null;
  }
  return { start: open, end: i + 1, members, duplicate, inner };
}

/** The member asked for as `keys[key]`, or null when the object has none. */
export function memberOf(object: ObjectMembers, key: number): MemberSpan | null {
  for (const member of object.members) if (member.key === key) return member;
  return null;
}

/**
 * The text of `object` with each found member replaced by `replacements[member.key]` (a whole member such as
 * `"tags":{}`, or '' to remove it), then `appended` (members joined by commas, or '') added last. The members kept
 * keep their text and order; only the whitespace around the members edited may go.
 */
export function rewriteMembers(
  text: string,
  object: ObjectMembers,
  replacements: readonly string[],
  appended: string,
): string {
  let out = '{';
  let from = object.start + 1;
  for (const member of object.members) {
    out = appendMembers(out, keptRun(text, from, member.keyStart));
    out = appendMembers(out, replacements[member.key] as string);
    from = member.valueEnd;
  }
  out = appendMembers(out, keptRun(text, from, object.end - 1));
  return `${appendMembers(out, appended)}}`;
}

function appendMembers(out: string, members: string): string {
  if (members === '') return out;
  return out.length > 1 ? `${out},${members}` : out + members;
}

/**
 * The members untouched between two edits, [from, to) of the text, without the commas and whitespace that joined
 * them to the edited ones: whatever sits between two edited members is at most one comma, and then nothing is kept.
 */
function keptRun(text: string, from: number, to: number): string {
  let start = skipWhitespace(text, from);
  if (text.charCodeAt(start) === COMMA) start = skipWhitespace(text, start + 1);
  let end = to;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  if (end > start && text.charCodeAt(end - 1) === COMMA) end--;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return end > start ? text.slice(start, end) : '';
}
