/**
 * The bad-input corpus (test/fixtures/bad/, issue 6.5) through `ses-bridge normalize`, in-process: every malformed
 * input is rejected with its exact code and path, the good records beside it are still printed, the odd-but-valid
 * ones normalize. The handlers' side is test/integration/poison-bad-input.test.ts; the subprocess run is there too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBadInputs, type Manifest } from '#test/support/bad-inputs';
import { jsonLines, REPO_ROOT, runCli } from '#test/support/fixtures';

const BAD_DIR = path.join(REPO_ROOT, 'test/fixtures/bad');
const manifest = JSON.parse(readFileSync(path.join(BAD_DIR, 'manifest.json'), 'utf8')) as Manifest;
const fixture = (file: string) => `test/fixtures/bad/${file}`;

describe('the bad-input corpus', () => {
  it('holds at least 60 malformed inputs, each file named once in the manifest, as test/support/bad-inputs.ts builds them', () => {
    expect(manifest.records.length + manifest.envelopes.length).toBeGreaterThanOrEqual(60);
    const { files } = buildBadInputs();
    for (const [relative, text] of files)
      expect(readFileSync(path.join(BAD_DIR, relative), 'utf8'), relative).toBe(text);
    const named = [...manifest.records, ...manifest.envelopes, ...manifest.odd].map((c) => c.file);
    expect(new Set(named).size).toBe(named.length);
    expect(named.length + 1).toBe(files.size);
  });
});

describe('ses-bridge normalize on each bad record', () => {
  for (const c of manifest.records) {
    const expected = c.cli ?? { code: c.code, path: c.path };
    it(`rejects ${c.file} with ${expected.code} at "${expected.path}" and exit status 1`, async () => {
      const { code, stdout, stderr } = await runCli(['normalize', fixture(c.file)]);
      expect(stdout).toBe('');
      const lines = jsonLines(stderr);
      expect(lines.map((l) => ({ level: l.level, code: l.code, path: l.path, file: l.file, index: l.index }))).toEqual([
        { level: 'error', ...expected, file: fixture(c.file), index: 0 },
      ]);
      expect(lines[0].message).not.toBe('');
      expect(code).toBe(1);
    });
  }
});

describe('ses-bridge normalize on each bad trigger event', () => {
  for (const c of manifest.envelopes) {
    it(`rejects ${c.file} with ${c.code} at "${c.path}" and prints the ${c.good} good records beside it`, async () => {
      const { code, stdout, stderr } = await runCli(['normalize', fixture(c.file)]);
      expect(jsonLines(stdout)).toHaveLength(c.good);
      expect(jsonLines(stderr).map((l) => [l.level, l.code, l.path])).toEqual([['error', c.code, c.path]]);
      expect(code).toBe(1);
    });
  }
});

describe('ses-bridge normalize on each odd but valid record', () => {
  for (const c of manifest.odd) {
    if (c.skipped) {
      it(`skips ${c.file} with a notice and exit status 0`, async () => {
        const { code, stdout, stderr } = await runCli(['normalize', fixture(c.file)]);
        expect(stdout).toBe('');
        expect(jsonLines(stderr).map((l) => [l.level, l.code])).toEqual([['notice', 'skipped']]);
        expect(code).toBe(0);
      });
      continue;
    }
    it(`normalizes ${c.file} as a ${c.type} event`, async () => {
      const { code, stdout, stderr } = await runCli(['normalize', fixture(c.file)]);
      expect(stderr).toBe('');
      expect(jsonLines(stdout).map((e) => e.type)).toEqual([c.type]);
      expect(code).toBe(0);
    });
  }
});
