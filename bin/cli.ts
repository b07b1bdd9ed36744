/** What every `ses-bridge` command shares: its shape, its I/O and reading its input files. */
import { readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { splitDocuments } from '#lib/envelopes/index';
import { describeError, ErrorCode, ProblemCode, UsageError } from '#lib/errors';
import { readFeedback } from '#lib/intake';
import { describeJsonError, isObject } from '#lib/json';
import type { Outcome } from '#lib/ses/types';

/** Where a command writes; injectable so tests can run commands in-process. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a file, or standard input for '-'. */
  readInput: (file: string) => string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run: (argv: string[], io: Io) => Promise<number>;
}

export const ExitCode = { ok: 0, rejected: 1, usage: 2 } as const;

/** The project's own directory: default inputs (the example routes, the sample events) are read from there. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** A default input path of the project, as an absolute path: commands then work from any directory. */
export function fromProject(relative: string): string {
  return path.join(PROJECT_ROOT, relative);
}

/** A path as the user reads it: relative to the working directory when under it, else absolute. */
export function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The package version (package.json). */
export function version(): string {
  return (JSON.parse(readFileSync(fromProject('package.json'), 'utf8')) as { version: string }).version;
}

export const processIo: Io = {
  stdout: (text) => writeAll(1, text),
  stderr: (text) => writeAll(2, text),
  readInput: (file) => readFileSync(file === '-' ? 0 : file, 'utf8'),
  env: process.env,
};

// Synchronous writes keep stdout and stderr lines in order and survive process.exit; EPIPE (| head) ends quietly.
function writeAll(fd: number, text: string): void {
  try {
    let buf = Buffer.from(text, 'utf8');
    while (buf.length > 0) {
      try {
        const n = writeSync(fd, buf);
        buf = buf.subarray(n);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw err;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    throw err;
  }
}

/** Parses a command's arguments; unknown options are a UsageError that names the option. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(describeError(err), { cause: err });
  }
}

/** One JSON line on stderr for a problem or a notice. */
export function problemLine(fields: Record<string, unknown>): string {
  return `${JSON.stringify(fields)}\n`;
}

/** Reads each input (a path, or '-' for stdin); inputs that cannot be read are reported, not thrown. */
export function readInputs(
  files: string[],
  io: Io,
): { inputs: Array<{ file: string; text: string }>; unreadable: number } {
  const inputs: Array<{ file: string; text: string }> = [];
  let unreadable = 0;
  for (const file of files.length === 0 ? ['-'] : files) {
    try {
      inputs.push({ file, text: io.readInput(file) });
    } catch (err) {
      unreadable++;
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(err);
      io.stderr(
        problemLine({
          level: 'error',
          code: ErrorCode.unreadableFile,
          message: `cannot read ${file}: ${reason}`,
          file,
        }),
      );
    }
  }
  return { inputs, unreadable };
}

/** Where an outcome came from: the input file and the 0-based index of the document in it (NDJSON line). */
export interface Origin {
  file: string;
  index: number;
}

/**
 * Reads every document of every input and hands each outcome to `onOutcome`, in input order. Documents that are not
 * JSON become `invalid_json` problems, so one broken line never hides the records beside it.
 */
export function forEachOutcome(
  inputs: Array<{ file: string; text: string }>,
  onOutcome: (outcome: Outcome, origin: Origin) => void,
): void {
  for (const { file, text } of inputs) {
    const docs = splitDocuments(text);
    // The file is no JSON or NDJSON at all (a YAML file...): one error says so, not one per line. NDJSON with a bad
    // line still has its other lines read: here the first line and most of the others fail.
    const failing = docs.filter((doc) => doc.error !== undefined).length;
    if (docs.length > 1 && docs[0]?.error !== undefined && failing * 2 > docs.length) {
      onOutcome(unparsableDocument(jsonErrorOf(text), text, 'is not JSON or NDJSON'), { file, index: 0 });
      continue;
    }
    for (const doc of docs) {
      const origin = { file, index: doc.index };
      if (doc.error !== undefined) {
        onOutcome(unparsableDocument(jsonErrorOf(doc.text), doc.text), origin);
        continue;
      }
      const body = functionUrlBody(doc.value);
      if (body === undefined) {
        for (const outcome of readFeedback(doc.value, doc.text)) onOutcome(outcome, origin);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (err) {
        onOutcome(unparsableDocument(describeJsonError(err, body), body, 'has a body that is not valid JSON'), origin);
        continue;
      }
      for (const outcome of readFeedback(value, body)) onOutcome(outcome, origin);
    }
  }
}

/** Why `text` does not parse as JSON, with the line and column. */
export function jsonErrorOf(text: string): string {
  try {
    JSON.parse(text);
    return 'valid JSON';
  } catch (err) {
    return describeJsonError(err, text);
  }
}

/**
 * The body of a Lambda function URL event (what the sns-https function receives: events/sns-https/), so the
 * commands read the SNS HTTP message it carries; undefined for any other document.
 */
function functionUrlBody(value: unknown): string | undefined {
  if (!isObject(value) || typeof value.body !== 'string' || !isObject(value.requestContext)) return undefined;
  if (!isObject(value.requestContext.http)) return undefined;
  return value.isBase64Encoded === true ? Buffer.from(value.body, 'base64').toString('utf8') : value.body;
}

/** The outcome of a document that is not JSON: an `invalid_json` problem keeping its text. */
export function unparsableDocument(error: string, text: string, what = 'is not valid JSON'): Outcome {
  return {
    kind: 'problem',
    problem: {
      code: ProblemCode.invalidJson,
      message: `document ${what} (${error})`,
      path: '',
      item: 0,
      transport: null,
      text,
    },
  };
}

/** The stderr line for a rejected input or a skipped document. */
export function reportLine(outcome: Exclude<Outcome, { kind: 'event' }>, origin: Origin): string {
  if (outcome.kind === 'problem') {
    const { code, message, path } = outcome.problem;
    return problemLine({ level: 'error', code, message, file: origin.file, index: origin.index, path });
  }
  const { message, path } = outcome.notice;
  return problemLine({ level: 'notice', code: 'skipped', message, file: origin.file, index: origin.index, path });
}

/** Rows as left-aligned columns two spaces apart; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
