/** What every `ses-bridge` command shares: its shape, its I/O and reading its input files. */
import { readFileSync, writeSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { splitDocuments } from '#lib/envelopes/index';
import { describeError, ProblemCode, UsageError } from '#lib/errors';
import { readFeedback } from '#lib/intake';
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
    throw new UsageError(describeError(err));
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
        problemLine({ level: 'error', code: 'unreadable_file', message: `cannot read ${file}: ${reason}`, file }),
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
    for (const doc of splitDocuments(text)) {
      const origin = { file, index: doc.index };
      if (doc.error !== undefined) {
        onOutcome(unparsableDocument(doc.error, doc.text), origin);
        continue;
      }
      for (const outcome of readFeedback(doc.value, doc.text)) onOutcome(outcome, origin);
    }
  }
}

/** The outcome of a document that is not JSON: an `invalid_json` problem keeping its text. */
export function unparsableDocument(error: string, text: string): Outcome {
  return {
    kind: 'problem',
    problem: {
      code: ProblemCode.invalidJson,
      message: `document is ${error}`,
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
