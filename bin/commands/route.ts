import { loadRoutesFile } from '#lib/config';
import { UsageError } from '#lib/errors';
import { planOutcome } from '#lib/pipeline';
import type { OutboundMessage } from '#lib/publish/types';
import { compileRoutes } from '#lib/routing/index';
import { parseRoutesFileText } from '#lib/routing/yaml';
import { type Command, ExitCode, forEachOutcome, parseCommandArgs, problemLine, readInputs, reportLine } from '../cli';

const usage = `Usage: ses-bridge route --routes FILE [--emit] [FILE ...]

Normalizes SES feedback from each FILE (standard input when none or '-'; any envelope, JSON or NDJSON) and shows
where the bridge would deliver each record with the routes file. Publishes nothing.

Options:
  --routes FILE  the routes file (JSON), required
  --emit         add "message" (the exact body that would be published) and "attributes" (SNS MessageAttributes)
  -h, --help     show this help

Output: stdout, one JSON line per delivery {"messageId","type","route","topicArn","format"}; an unmatched record
  {"messageId","type","route":null,"action":"drop"}; a delivery whose format cannot carry the type
  {...,"action":"skip","reason":"format_unsupported"}.
  stderr: the same error and notice lines as 'ses-bridge normalize', plus {"level":"error","code":"unmatched"} when
  unmatched.action is "fail" and {"level":"error","code":"message_too_large"} for a message over 256 KiB.
Exit status: 0 nothing rejected, 1 some input rejected or failed, 2 usage error, unreadable file or invalid routes.
`;

export const command: Command = {
  name: 'route',
  summary: 'show where each record would be delivered, and the exact message',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { routes: { type: 'string' }, emit: { type: 'boolean' } });
    if (values.routes === undefined) throw new UsageError('--routes FILE is required');
    const routes = compileRoutes(loadRoutesFile(values.routes, {}, parseRoutesFileText));
    const { inputs, unreadable } = readInputs(positionals, io);
    let rejected = 0;
    const out: string[] = [];
    let index = 0;
    forEachOutcome(inputs, (outcome, origin) => {
      if (outcome.kind !== 'event') {
        if (outcome.kind === 'problem') rejected++;
        io.stderr(reportLine(outcome, origin));
        return;
      }
      const { messageId, type } = outcome.event;
      const messages = new Map<string, OutboundMessage>();
      for (const step of planOutcome(outcome, index++, routes, (message) => messages.set(message.key, message)).steps) {
        if (step.kind === 'publish') {
          const { route, topicArn, format } = step.delivery;
          const line = { messageId, type, route, topicArn, format };
          const message = messages.get(step.key) as OutboundMessage;
          out.push(
            JSON.stringify(values.emit ? { ...line, message: message.body, attributes: message.attributes } : line),
          );
        } else if (step.kind === 'skip') {
          const { route, topicArn, format } = step.delivery;
          out.push(JSON.stringify({ messageId, type, route, topicArn, format, action: 'skip', reason: step.reason }));
        } else if (step.kind === 'drop') {
          out.push(JSON.stringify({ messageId, type, route: null, action: 'drop' }));
        } else {
          rejected++;
          io.stderr(
            problemLine({
              level: 'error',
              code: step.code,
              message: step.reason,
              file: origin.file,
              index: origin.index,
              path: outcome.record.path,
              messageId,
              route: step.delivery?.route ?? null,
            }),
          );
        }
      }
      if (out.length >= 1000) io.stdout(`${out.splice(0).join('\n')}\n`);
    });
    if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    if (unreadable > 0) return ExitCode.usage;
    return rejected > 0 ? ExitCode.rejected : ExitCode.ok;
  },
};
