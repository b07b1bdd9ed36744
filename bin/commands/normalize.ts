import { ProblemCode } from '#lib/errors';
import { safeStringify } from '#lib/json';
import { type Command, ExitCode, forEachOutcome, parseCommandArgs, readInputs, reportLine } from '../cli';

const usage = `Usage: ses-bridge normalize [--raw] [FILE ...]

Reads SES feedback in any envelope (bare SES record, SNS HTTP body, Lambda SNS/SQS/EventBridge/Firehose event,
NDJSON) from each FILE, or standard input when no FILE or '-' is given, and prints one normalized event per line.

Options:
  --raw        add "raw", the parsed SES record, to each event
  -h, --help   show this help

Output: stdout, one JSON event per line in input order. stderr, one JSON line per rejected input
  {"level":"error","code":"invalid_json|not_ses|invalid_record|unsupported_input","message","file","index","path"}
  and per skipped document {"level":"notice","code":"skipped",...}.
Exit status: 0 nothing rejected, 1 some input rejected (good records are still printed), 2 usage error or
  unreadable file.
`;

export const command: Command = {
  name: 'normalize',
  summary: 'print one normalized event per SES record',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { raw: { type: 'boolean' } });
    const { inputs, unreadable } = readInputs(positionals, io);
    let rejected = 0;
    const out: string[] = [];
    forEachOutcome(inputs, (outcome, origin) => {
      if (outcome.kind !== 'event') {
        if (outcome.kind === 'problem') rejected++;
        io.stderr(reportLine(outcome, origin));
        return;
      }
      const line = safeStringify(values.raw ? { ...outcome.event, raw: outcome.record.json } : outcome.event);
      if (line === null) {
        rejected++;
        io.stderr(
          reportLine(
            {
              kind: 'problem',
              problem: {
                code: ProblemCode.invalidRecord,
                message: 'record is nested too deeply to serialize',
                path: outcome.record.path,
                item: outcome.record.item,
                transport: outcome.record.transport,
                text: outcome.record.text,
              },
            },
            origin,
          ),
        );
        return;
      }
      out.push(line);
      if (out.length >= 1000) io.stdout(`${out.splice(0).join('\n')}\n`);
    });
    if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    if (unreadable > 0) return ExitCode.usage;
    return rejected > 0 ? ExitCode.rejected : ExitCode.ok;
  },
};
