import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findMembers, memberOf, type ObjectMembers, rewriteMembers } from '#lib/json-text';

/** The members found, as text: key (as written), value, and whether the key span starts at a quote. */
function found(text: string, keys: string[], start = 0) {
  const object = findMembers(text, start, keys) as ObjectMembers;
  expect(object).not.toBeNull();
  return {
    members: object.members.map((m) => ({
      key: keys[m.key],
      keyText: text.slice(m.keyStart, text.indexOf(':', m.keyStart)).trimEnd(),
      value: text.slice(m.valueStart, m.valueEnd),
    })),
    end: object.end,
    duplicate: object.duplicate,
  };
}

describe('finding members in a JSON text', () => {
  const text = '{"a":1,"b":[2,{"c":3}],"c":{"d":"e"}}';

  it('finds the first, a middle and the last member, and the object end', () => {
    expect(found(text, ['a'])).toEqual({
      members: [{ key: 'a', keyText: '"a"', value: '1' }],
      end: text.length,
      duplicate: false,
    });
    expect(found(text, ['b']).members).toEqual([{ key: 'b', keyText: '"b"', value: '[2,{"c":3}]' }]);
    expect(found(text, ['c']).members).toEqual([{ key: 'c', keyText: '"c"', value: '{"d":"e"}' }]);
  });

  it('reports members in text order, whatever the order of the keys asked for', () => {
    const object = findMembers(text, 0, ['c', 'x', 'a']) as ObjectMembers;
    expect(object.members.map((m) => m.key)).toEqual([2, 0]);
    expect(memberOf(object, 0)?.valueStart).toBe(text.indexOf('{"d"'));
    expect(memberOf(object, 1)).toBeNull();
  });

  it('ignores the same key deeper down and in string values', () => {
    const nested = '{"x":{"tags":1},"y":[{"tags":2}],"z":"\\"tags\\":3","tags":{"tags":4}}';
    expect(found(nested, ['tags'])).toEqual({
      members: [{ key: 'tags', keyText: '"tags"', value: '{"tags":4}' }],
      end: nested.length,
      duplicate: false,
    });
  });

  it('skips strings holding quotes, backslashes, \\" sequences, braces, brackets and the key text', () => {
    const values = ['say "hi"', 'C:\\dir\\', 'ends with \\"', '\\\\"', '{"tags":[', '}]}', 'tags', '"tags":{}', '\\'];
    const object = Object.fromEntries(values.map((v, i) => [`k${i}`, v]));
    const written = JSON.stringify({ ...object, tags: 'found', after: values });
    const result = found(written, ['tags', 'after']);
    expect(result.members.map((m) => m.value)).toEqual(['"found"', JSON.stringify(values)]);
    expect(result.end).toBe(written.length);
  });

  it('reads keys spelled with escapes as what they decode to, and keeps escaped values as written', () => {
    const written = '{"\\u0074ags":"\\u0022\\u005c","ma\\u0069l":{"\\"":1},"tags\\u0000":2}';
    expect(found(written, ['tags', 'mail']).members).toEqual([
      { key: 'tags', keyText: '"\\u0074ags"', value: '"\\u0022\\u005c"' },
      { key: 'mail', keyText: '"ma\\u0069l"', value: '{"\\"":1}' },
    ]);
  });

  it('tolerates JSON whitespace everywhere, and finds objects by their start offset', () => {
    const written = ' \n{ \t"a" \r\n : \n -1.5e+10 , "tags" :[ 1 , {"b" : null} ] ,"t":true\t,\n"f" : false}\r\n';
    const result = found(written, ['a', 'tags', 't', 'f']);
    expect(result.members.map((m) => m.value)).toEqual(['-1.5e+10', '[ 1 , {"b" : null} ]', 'true', 'false']);
    expect(written.slice(result.end)).toBe('\r\n');
    const pretty = JSON.stringify({ mail: { tags: { x: ['y'] }, z: 1 } }, null, 2);
    const mail = memberOf(findMembers(pretty, 0, ['mail'])!, 0)!;
    const inner = found(pretty, ['tags', 'z'], mail.valueStart);
    expect(inner.members.map((m) => JSON.parse(m.value))).toEqual([{ x: ['y'] }, 1]);
    expect(inner.end).toBe(mail.valueEnd);
  });

  it('finds the members inside the object value of the first key in the same pass, when asked', () => {
    const written = '{"x":{"tags":0},"mail" : {"a":1,"tags":{"b":[2]}},"bounce":{}}';
    const object = findMembers(written, 0, ['mail', 'bounce'], ['tags']) as ObjectMembers;
    const mail = memberOf(object, 0)!;
    expect(object.inner).toEqual(findMembers(written, mail.valueStart, ['tags']));
    expect(object.inner?.end).toBe(mail.valueEnd);
    expect(written.slice(memberOf(object.inner!, 0)!.valueStart, memberOf(object.inner!, 0)!.valueEnd)).toBe(
      '{"b":[2]}',
    );
    expect(memberOf(object, 1)?.valueStart).toBe(written.length - 3);
    expect(findMembers(written, 0, ['mail'])?.inner).toBeNull();
    expect(findMembers('{"mail":[{"tags":1}]}', 0, ['mail'], ['tags'])?.inner).toBeNull();
  });

  it('handles empty objects', () => {
    expect(found('{}', ['a'])).toEqual({ members: [], end: 2, duplicate: false });
    expect(found(' { \n } ', ['a'])).toEqual({ members: [], end: 6, duplicate: false });
    expect(found('{"a":{},"b":{ }}', ['a', 'b']).members.map((m) => m.value)).toEqual(['{}', '{ }']);
  });

  it('reports a key asked for that occurs twice, however it is spelled, and not repeated keys nobody asked for', () => {
    expect(found('{"tags":1,"a":2,"tags":3}', ['tags']).duplicate).toBe(true);
    expect(found('{"tags":1,"t\\u0061gs":3}', ['tags']).duplicate).toBe(true);
    expect(found('{"a":1,"a":2,"tags":3}', ['tags']).duplicate).toBe(false);
  });

  it('answers null where no object starts, or where the text ends before the object does', () => {
    expect(findMembers('[1]', 0, ['a'])).toBeNull();
    expect(findMembers(' "x"', 0, ['a'])).toBeNull();
    expect(findMembers('{"a":1,"b":"', 0, ['a'])).toBeNull();
    expect(findMembers('{"a":[1', 0, ['a'])).toBeNull();
  });

  it('skips values nested deeper than the stack would allow a recursive scan', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(found(`{"deep":${deep},"tags":1}`, ['tags']).members).toEqual([
      { key: 'tags', keyText: '"tags"', value: '1' },
    ]);
  });
});

describe('rewriting members in a JSON text', () => {
  const rewrite = (text: string, keys: string[], replacements: string[], appended = '') =>
    rewriteMembers(text, findMembers(text, 0, keys)!, replacements, appended);

  it('removes the first, a middle, the last or the only member', () => {
    const text = '{"a":1,"b":2,"c":3}';
    expect(rewrite(text, ['a'], [''])).toBe('{"b":2,"c":3}');
    expect(rewrite(text, ['b'], [''])).toBe('{"a":1,"c":3}');
    expect(rewrite(text, ['c'], [''])).toBe('{"a":1,"b":2}');
    expect(rewrite('{"a":1}', ['a'], [''])).toBe('{}');
  });

  it('removes neighbours and every member, and appends after what is left', () => {
    const text = '{"a":1,"b":2,"c":3,"d":4}';
    expect(rewrite(text, ['b', 'c'], ['', ''])).toBe('{"a":1,"d":4}');
    expect(rewrite(text, ['a', 'b'], ['', ''])).toBe('{"c":3,"d":4}');
    expect(rewrite(text, ['c', 'd'], ['', ''], '"e":5')).toBe('{"a":1,"b":2,"e":5}');
    expect(rewrite(text, ['a', 'b', 'c', 'd'], ['', '', '', ''], '"e":5,"f":6')).toBe('{"e":5,"f":6}');
    expect(rewrite('{}', [], [], '"e":5')).toBe('{"e":5}');
    expect(rewrite('{}', [], [], '')).toBe('{}');
  });

  it('replaces a member where it stands', () => {
    expect(rewrite('{"a":1,"tags":{"x":["y"]},"b":2}', ['tags', 'a'], ['"tags":{}', ''])).toBe('{"tags":{},"b":2}');
  });

  it('drops only the whitespace around edited members of a pretty-printed object', () => {
    const text = JSON.stringify({ a: 1, tags: { x: ['y'] }, b: [2, 3], c: 'z' }, null, 2);
    expect(rewrite(text, ['tags'], [''])).toBe('{"a": 1,"b": [\n    2,\n    3\n  ],\n  "c": "z"}');
    expect(rewrite(text, ['c'], [''], '"d":4')).toBe(
      '{"a": 1,\n  "tags": {\n    "x": [\n      "y"\n    ]\n  },\n  "b": [\n    2,\n    3\n  ],"d":4}',
    );
  });

  it('reads as the object with those edits, for any object, edits and whitespace', () => {
    const space = fc.constantFrom('', ' ', '\n', '\t', '\r\n', '\n    ');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })), {
          selector: ([k]) => k,
          maxLength: 8,
        }),
        fc.array(fc.constantFrom('keep', 'remove', 'replace'), { minLength: 8, maxLength: 8 }),
        fc.array(space, { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        (entries, edits, [s1, s2, s3, s4], append) => {
          // Integer-like keys would be reordered by JSON.parse on both sides; they are covered by the render tests.
          const members = entries.filter(([k]) => !/^\d+$/.test(k));
          const text = `${s1}{${s2}${members.map(([k, v]) => `${JSON.stringify(k)}${s3}:${s4}${JSON.stringify(v)}`).join(`${s3},${s2}`)}${s4}}${s1}`;
          const keys = members.map(([k]) => k);
          const replacements = members.map(([k], i) =>
            edits[i] === 'remove' ? '' : edits[i] === 'replace' ? `${JSON.stringify(k)}:"new"` : '',
          );
          const asked = keys.filter((_, i) => edits[i] !== 'keep');
          const expected: Record<string, unknown> = {};
          for (const [i, [k, v]] of members.entries()) {
            if (edits[i] === 'keep') expected[k] = v;
            else if (edits[i] === 'replace') expected[k] = 'new';
          }
          if (append) expected['\u0000appended'] = true;
          const rewritten = rewriteMembers(
            text,
            findMembers(text, 0, asked)!,
            asked.map((k) => replacements[keys.indexOf(k)]!),
            append ? '"\\u0000appended":true' : '',
          );
          expect(JSON.stringify(JSON.parse(rewritten))).toBe(JSON.stringify(expected));
        },
      ),
      { numRuns: 1000, seed: 20260101 },
    );
  });
});
