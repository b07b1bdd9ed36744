/** Loads sample events (events/) and test fixtures; one loader for every test. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The text of a file under events/, e.g. eventText('sqs/multi-delegate-batch.json'). */
export function eventText(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, 'events', relative), 'utf8');
}

/** A parsed sample event; a fresh copy on every call, so tests may mutate it. */
export function loadEvent<T = any>(relative: string): T {
  return JSON.parse(eventText(relative)) as T;
}

/** Runs the CLI in-process and captures its output. */
export async function runCli(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../bin/ses-bridge');
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readInput: (file) => (file === '-' ? stdin : readFileSync(path.resolve(REPO_ROOT, file), 'utf8')),
    env: {},
  });
  return { code, stdout, stderr };
}

/** Parses NDJSON output into objects. */
export function jsonLines(text: string): any[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}
