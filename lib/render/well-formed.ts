/**
 * Well-formed UTF-16: every high surrogate followed by a low one, and no low surrogate alone. A JSON text may escape
 * a lone surrogate (`"\ud800"`), and a record passed through as its original text (or the text of an SNS `Message`
 * unescaped once) can then hold a real one. No AWS request can carry it: the SDK throws a URIError while encoding
 * the request, before anything is sent. Rendering checks bodies here, so such a record is refused with its path
 * instead of failing the request its neighbours share.
 */
import { joinPath } from '#lib/errors';

type WithIsWellFormed = { isWellFormed?: () => boolean };

/** True when `text` holds no lone surrogate. Native (Node >= 20) and constant time for one-byte strings. */
export const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as WithIsWellFormed).isWellFormed === 'function'
    ? (text) => (text as unknown as Required<WithIsWellFormed>).isWellFormed()
    : (text) => loneSurrogateAt(text) < 0;

/** The index of the first lone surrogate in `text`, or -1. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * The JSON path, under `prefix`, of the first string (member name or value) of `value` that holds a lone surrogate,
 * with that surrogate as `U+XXXX`; null when there is none. Iterative: a record may nest deeper than the stack.
 */
export function findLoneSurrogate(value: unknown, prefix = ''): { path: string; unit: string } | null {
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      const at = loneSurrogateAt(v);
      if (at >= 0) return { path, unit: unitName(v, at) };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], joinPath(path, i)]);
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const at = loneSurrogateAt(key);
        if (at >= 0) return { path: joinPath(path, key), unit: unitName(key, at) };
        stack.push([(v as Record<string, unknown>)[key], joinPath(path, key)]);
      }
    }
  }
  return null;
}

function unitName(text: string, at: number): string {
  return `U+${text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')}`;
}
