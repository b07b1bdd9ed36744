import { describe, expect, it } from 'vitest';
import { maskAddress, redactAddresses, redactFields } from '#lib/logger';

describe('redactAddresses', () => {
  it.each([
    ['a plain address', 'to jane.doe+x@example.com now', 'to j***@example.com now'],
    ['an address in angle brackets', 'Jane <jane@example.com>', 'Jane <j***@example.com>'],
    ['an address inside JSON', '{"to":["jane@example.com"]}', '{"to":["j***@example.com"]}'],
    ['a quoted local part', 'to "jane doe"@example.com', 'to "***@example.com'],
    ['a quoted local part with an escaped quote', String.raw`"ja\"ne"@example.com`, '"***@example.com'],
    [
      'a quoted local part inside a JSON string',
      String.raw`{"to":"\"jane doe\"@example.com"}`,
      String.raw`{"to":"\"***@example.com"}`,
    ],
    ['a domain literal', 'jane@[192.0.2.1] failed', 'j***@[192.0.2.1] failed'],
    ['an IPv6 domain literal', 'jane@[IPv6:2001:db8::1]', 'j***@[IPv6:2001:db8::1]'],
    ['a JSON escape of the @', String.raw`{"to":"jane\u0040example.com"}`, String.raw`{"to":"j***\u0040example.com"}`],
    ['a JavaScript hex escape of the @', String.raw`jane\x40example.com`, String.raw`j***\x40example.com`],
    ['a URL-encoded @', 'to=jane%40example.com&x=1', 't***%40example.com&x=1'],
    ['an upper-case escape', String.raw`jane\U0040example.com`, String.raw`j***\U0040example.com`],
    [
      'an HTML entity',
      'jane&#64;example.com and bob&#x40;example.org',
      'j***&#64;example.com and b***&#x40;example.org',
    ],
    ['two addresses', 'a@x.example, b@y.example', 'a***@x.example, b***@y.example'],
  ])('masks %s', (_, text, masked) => {
    expect(redactAddresses(text)).toBe(masked);
  });

  it.each([
    ['text without an address', 'Delivery failed: 550 5.1.1'],
    ['an @ with nothing around it', 'meet @ noon'],
    ['an escape that is not an @', String.raw`caf\u00e9 50%41`],
  ])('leaves %s as it is', (_, text) => {
    expect(redactAddresses(text)).toBe(text);
  });

  it('masks the last 256 characters before an @ of a run longer than an address can be', () => {
    const local = 'a'.repeat(300);
    expect(redactAddresses(`${local}@example.com`)).toBe(`${'a'.repeat(44)}a***@example.com`);
  });

  it('reads a long text with anchors but no address without backtracking over it (no ReDoS)', () => {
    // 198,000 characters of `%4` runs: were the runs unbounded, each start position would scan to the end, about
    // 2e10 steps, and the test would run into its timeout instead of passing.
    const text = `${'x%4'.repeat(66_000)}!`;
    expect(redactAddresses(text)).toBe(text);
  });
});

describe('redactFields', () => {
  it('masks values and keys at any depth, and error messages', () => {
    const fields = {
      reason: 'bad "jane doe"@example.com',
      tags: { 'bob@example.com': ['carol%40example.com'] },
      error: new Error(String.raw`at dave\u0040example.com`),
    };
    expect(redactFields(fields)).toEqual({
      reason: 'bad "***@example.com',
      tags: { 'b***@example.com': ['c***%40example.com'] },
      error: { name: 'Error', message: String.raw`at d***\u0040example.com` },
    });
  });
});

describe('maskAddress', () => {
  it('keeps the first character and the domain', () => {
    expect(maskAddress('jane.doe@example.com')).toBe('j***@example.com');
    expect(maskAddress('no-at-sign')).toBe('***');
  });
});
