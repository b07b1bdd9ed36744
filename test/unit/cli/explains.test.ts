/** A CLI that explains itself (issue 14): version, usage errors, unreadable files, JSON and YAML errors. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRoutesFile } from '#lib/config';
import { parseRoutesFileText } from '#lib/routing/yaml';
import { jsonLines, REPO_ROOT, runCli } from '#test/support/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-explains-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('ses-bridge tells what is wrong, briefly', () => {
  it('prints its version with --version', async () => {
    const { version } = (await import('../../../package.json')).default as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `ses-bridge ${version}\n`, stderr: '' });
  });

  it('answers an unknown command or option with the problem and where to look, not the whole help', async () => {
    expect(await runCli(['nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `ses-bridge: unknown command "nope"; see 'ses-bridge --help'\n`,
    });
    const bad = await runCli(['normalize', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').slice(-2)).toEqual(["see 'ses-bridge normalize --help'", '']);
    expect(bad.stderr).not.toContain('Usage:');
  });

  it('reports a file that is no JSON or NDJSON at all once, with the line and column, not once per line', async () => {
    const { code, stderr } = await runCli(['normalize', 'serverless.yml']);
    expect(code).toBe(1);
    expect(jsonLines(stderr)).toEqual([
      {
        level: 'error',
        code: 'invalid_json',
        message: "document is not JSON or NDJSON (line 1, column 1: Unexpected token '#')",
        file: 'serverless.yml',
        index: 0,
        path: '',
      },
    ]);
  });

  it('still reads the good lines of NDJSON with one broken line, and names the broken one', async () => {
    const good = readdirSync(path.join(REPO_ROOT, 'events/raw')).slice(0, 2);
    const lines = good.map((f) =>
      JSON.stringify(JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/raw', f), 'utf8'))),
    );
    const ndjson = file('mixed.ndjson', `${lines[0]}\n{"eventType": "Bounce",\n${lines[1]}\n`);
    const { stdout, stderr } = await runCli(['normalize', ndjson]);
    expect(jsonLines(stdout)).toHaveLength(2);
    expect(jsonLines(stderr).map((e) => [e.index, e.message])).toEqual([
      [1, 'document is not valid JSON (line 1, column 24: Expected double-quoted property name)'],
    ]);
  });

  it('gives the line and column of a JSON syntax error in a document written over several lines', async () => {
    const bad = file('bad.json', '{\n  "eventType": "Bounce",\n  "mail": {,\n}\n');
    const { stderr } = await runCli(['normalize', bad]);
    expect(jsonLines(stderr)[0].message).toBe(
      "document is not JSON or NDJSON (line 3, column 12: Expected property name or '}')",
    );
  });
});

describe('routes files in YAML', () => {
  const json = {
    routes: [
      {
        name: 'aws-doc',
        when: { sendingAccountId: '123456789012' },
        to: { topicArn: 'arn:aws:sns:us-east-1:123456789012:t', format: 'original' },
      },
    ],
  };
  const yaml = `routes:\n  - name: aws-doc\n    when:\n      sendingAccountId: "123456789012"\n    to:\n      topicArn: arn:aws:sns:us-east-1:123456789012:t\n      format: original\n`;

  it('routes exactly as the same routes in JSON', async () => {
    const fromJson = await runCli([
      'route',
      '--routes',
      file('r.json', JSON.stringify(json)),
      'events/raw/event-open.json',
    ]);
    const fromYaml = await runCli(['route', '--routes', file('r.yaml', yaml), 'events/raw/event-open.json']);
    expect(fromYaml).toEqual(fromJson);
    expect(fromYaml.code).toBe(0);
    expect(loadRoutesFile(path.join(dir, 'r.yaml'), {}, parseRoutesFileText)).toEqual(
      loadRoutesFile(path.join(dir, 'r.json'), {}),
    );
  });

  it('validates YAML with the same messages as JSON', async () => {
    const y = file('bad.yml', yaml.replace('format: original', 'format: xml'));
    const j = file('bad-format.json', JSON.stringify(json).replace('"original"', '"xml"'));
    const fromYaml = await runCli(['route', '--routes', y, 'events/raw/event-open.json']);
    const fromJson = await runCli(['route', '--routes', j, 'events/raw/event-open.json']);
    expect(fromYaml.stderr.replace(y, 'FILE')).toBe(fromJson.stderr.replace(j, 'FILE'));
    expect(fromYaml.code).toBe(2);
  });

  it('gives the line and column of a YAML syntax error, on one line', async () => {
    const y = file('broken.yaml', 'routes:\n  - name: a\n   to: x\n');
    expect((await runCli(['route', '--routes', y, 'events/raw/event-open.json'])).stderr).toBe(
      `ses-bridge route: ${y}: is not valid YAML (line 3, column 1: Sequence item without - indicator)\n`,
    );
  });

  it('gives the line and column of a JSON syntax error in a routes file', async () => {
    const j = file('broken.json', '{\n "routes": [\n  {"name": "a",, }]}');
    expect((await runCli(['route', '--routes', j, 'events/raw/event-open.json'])).stderr).toBe(
      `ses-bridge route: ${j}: is not valid JSON (line 3, column 16: Expected double-quoted property name)\n`,
    );
  });
});

describe('a routes file that is not there', () => {
  it('is named where it was looked for, not under a Lambda task root that does not exist here (invoke local)', () => {
    expect(() => loadRoutesFile('config/nope.json', { LAMBDA_TASK_ROOT: '/var/task' })).toThrow(
      `config/nope.json: cannot read routes file ${path.resolve('config/nope.json')}: no such file`,
    );
  });
});

describe('the samples under events/', () => {
  const samples = ['eventbridge', 'firehose', 'raw', 'sns', 'sns-http', 'sns-https', 'sqs'].flatMap((d) =>
    readdirSync(path.join(REPO_ROOT, 'events', d)).map((f) => `events/${d}/${f}`),
  );
  it.each(samples.filter((s) => s !== 'events/sqs/with-bad-records.json'))(
    '%s is accepted by normalize',
    async (sample) => {
      const { code, stderr } = await runCli(['normalize', sample]);
      expect(jsonLines(stderr).filter((l) => l.level === 'error')).toEqual([]);
      expect(code).toBe(0);
    },
  );
});
