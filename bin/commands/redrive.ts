import { sqsClient } from '#lib/aws-clients';
import { DEFAULT_ROUTES_FILE, loadRoutesFile } from '#lib/config';
import { UsageError } from '#lib/errors';
import { createSnsPublisher } from '#lib/publish/sns';
import { moveDlqBack } from '#lib/redrive/dlq';
import { parseFilters } from '#lib/redrive/filter';
import { type RedriveTally, redrive } from '#lib/redrive/run';
import { fileSource, queueSource } from '#lib/redrive/source';
import { compileRoutes } from '#lib/routing/index';
import { parseRoutesFileText } from '#lib/routing/yaml';
import { type Command, ExitCode, fromProject, type Io, parseCommandArgs, shown, table } from '../cli';

const usage = `Usage: ses-bridge redrive (--queue URL | --file FILE) [--routes FILE] [--filter KEY=VALUE ...] [--execute]
       ses-bridge redrive --dlq URL [--execute]

Runs parked records again through the current routes, once the cause is fixed (routes file, topic policy, KMS key).
Reads the parked queue (stack output ParkedQueueUrl), an NDJSON file of parked messages (one body per line), or the
intake DLQ (each message's body is run again as the intake queue carried it). Records parked in parts are joined.

Dry run by default: a table of what the current routes would do, per parking code; nothing is published, deleted
or changed (the messages read are made visible again at the end). With --execute each record is published, and
its queue messages are deleted only once every delivery it produced succeeded; what is still poison or fails again
stays in the queue. Re-running is safe: a record keeps its bridgeId, so de-duplicating consumers see it once.
Ctrl-C stops after the records under way: they are delivered and deleted, or left as they were.

--dlq URL moves the intake DLQ's messages back to the intake queue (an SQS message move task); dry run: counts.

Options:
  --queue URL            the queue to read (the parked queue, or the intake DLQ)
  --file FILE            an NDJSON file of parked messages instead of a queue
  --routes FILE          routes file (default: ROUTES_FILE, else the project's ${DEFAULT_ROUTES_FILE})
  --filter KEY=VALUE     only records with code=CODE, route=NAME, older-than=AGE or newer-than=AGE (AGE: 30m,
                         12h, 7d); repeat it: the same key is an alternative, different keys must all hold
  --execute              publish and delete (default: dry run)
  --visibility-timeout S seconds a message read stays hidden from other readers while it is worked on (300)
  --dlq URL              move this DLQ's messages back to their source queue
  -h, --help             show this help

Environment: AWS_REGION (default us-east-1), AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SNS for local endpoints.
Exit status: 0 done, 1 some records left parked (still poison, failed again, parts missing), 2 usage error,
130 stopped by Ctrl-C.
`;

/** The region of a queue URL (https://sqs.eu-west-1.amazonaws.com/...), else AWS_REGION, else us-east-1. */
function regionOf(queueUrl: string, env: NodeJS.ProcessEnv): string {
  const m = /^https?:\/\/sqs[.-]([a-z]{2}(?:-[a-z]+)+-\d+)\./.exec(queueUrl);
  return m?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** Ctrl-C: the first one asks the run to stop after the batch under way; the listener is removed afterwards. */
function interruptible(io: Io): { stopped: () => boolean; done: () => void } {
  let stop = false;
  const onSigint = () => {
    if (!stop) io.stderr('redrive: stopping after the records under way (Ctrl-C again to abort at once)\n');
    else process.exit(130);
    stop = true;
  };
  process.on('SIGINT', onSigint);
  return { stopped: () => stop, done: () => process.off('SIGINT', onSigint) };
}

function summary(tally: RedriveTally, execute: boolean): string[] {
  const rows = [['code', 'what happens', 'records']];
  for (const [code, what, n] of tally.rows.rows()) rows.push([code, what, String(n)]);
  const lines = [tally.rows.size > 0 ? table(rows) : 'no parked records found', ''];
  if (tally.routed.size > 0) {
    const routed = [['route', 'type', 'messages published']];
    for (const [route, type, n] of tally.routed.rows()) routed.push([route, type, String(n)]);
    lines.push(table(routed), '');
  }
  lines.push(
    `records: ${tally.read}  filtered out: ${tally.filtered}` +
      (execute
        ? `  redriven: ${tally.redriven}  still poison: ${tally.stillPoison}  failed again: ${tally.retry}`
        : '') +
      `  incomplete: ${tally.incomplete}  without text: ${tally.unusable}`,
  );
  if (!execute) lines.push('dry run: nothing was published or deleted; run again with --execute to redrive');
  if (tally.stopped) lines.push('stopped by Ctrl-C: the records under way were finished, the rest left as they were');
  return lines;
}

export const command: Command = {
  name: 'redrive',
  summary: 'run parked records (or the intake DLQ) again through the current routes',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      queue: { type: 'string' },
      file: { type: 'string' },
      dlq: { type: 'string' },
      routes: { type: 'string' },
      filter: { type: 'string', multiple: true },
      execute: { type: 'boolean' },
      'visibility-timeout': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const sources = [values.queue, values.file, values.dlq].filter((v) => v !== undefined);
    if (sources.length !== 1) throw new UsageError('give exactly one of --queue URL, --file FILE and --dlq URL');
    const execute = values.execute === true;
    const interrupt = interruptible(io);
    try {
      if (values.dlq !== undefined) {
        const result = await moveDlqBack({
          client: sqsClient(regionOf(values.dlq, io.env)),
          queueUrl: values.dlq,
          execute,
          stopped: interrupt.stopped,
          onProgress: (moved, toMove) => io.stderr(`redrive --dlq: ${moved} of ${toMove} messages moved\n`),
        });
        if (result.status === 'DRY_RUN') {
          io.stdout(
            `${result.arn}: about ${result.messages} messages would move back to the queue they came from\ndry run: nothing was moved; run again with --execute\n`,
          );
          return ExitCode.ok;
        }
        io.stdout(
          `${result.arn}: move task ${result.status}, ${result.moved} messages moved back${result.failureReason ? ` (${result.failureReason})` : ''}\n`,
        );
        return result.status === 'COMPLETED' ? ExitCode.ok : result.status === 'CANCELLED' ? 130 : ExitCode.rejected;
      }

      const routesFile = values.routes ?? (io.env.ROUTES_FILE || fromProject(DEFAULT_ROUTES_FILE));
      const routes = compileRoutes(loadRoutesFile(routesFile, {}, parseRoutesFileText));
      const filter = parseFilters(values.filter ?? []);
      const visibility = Number(values['visibility-timeout'] ?? 300);
      if (!Number.isInteger(visibility) || visibility < 1 || visibility > 43_200) {
        throw new UsageError('--visibility-timeout must be a whole number of seconds from 1 to 43200');
      }
      const source =
        values.queue !== undefined
          ? queueSource(sqsClient(regionOf(values.queue, io.env)), values.queue, visibility)
          : fileSource(values.file as string);
      io.stderr(
        `redrive${execute ? '' : ' (dry run)'}: reading ${source.describe}, routes from ${shown(routesFile)}\n`,
      );
      let reported = 0;
      const tally = await redrive({
        source,
        routes,
        publisher: execute ? createSnsPublisher() : null,
        filter,
        stopped: interrupt.stopped,
        onProgress: (t) => {
          if (t.read - reported < 1_000) return;
          reported = t.read;
          io.stderr(
            `redrive: ${t.read} records read, ${t.redriven} redriven, ${t.stillPoison + t.retry} left parked\n`,
          );
        },
      });
      io.stdout(`${summary(tally, execute).join('\n')}\n`);
      if (tally.stopped) return 130;
      return tally.stillPoison + tally.retry + tally.incomplete > 0 && execute ? ExitCode.rejected : ExitCode.ok;
    } finally {
      interrupt.done();
    }
  },
};
