import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROUTES_FILE, loadRoutesFile, resolvePublishMode } from '#lib/config';
import { splitDocuments } from '#lib/envelopes/index';
import { processBatch, processDocument } from '#lib/pipeline';
import { createDryRunPublisher } from '#lib/publish/dry-run';
import { createSnsPublisher } from '#lib/publish/sns';
import { compileRoutes } from '#lib/routing/index';
import { parseRoutesFileText } from '#lib/routing/yaml';
import { PairTally } from '#lib/tally';
import {
  type Command,
  ExitCode,
  fromProject,
  type Io,
  jsonErrorOf,
  parseCommandArgs,
  shown,
  table,
  unparsableDocument,
} from '../cli';

const DEFAULT_EVENT_DIRS = ['events/sns', 'events/sqs', 'events/eventbridge', 'events/firehose'];
const DEFAULT_OUT = '.demo/published.ndjson';

const usage = `Usage: ses-bridge demo [--routes FILE] [--out FILE] [PATH ...]

Runs the bridge over sample events, exactly as the Lambda handlers do (normalize, route, render, publish), and
prints a summary per route. Each PATH is an event file or a folder of them; default: the project's
${DEFAULT_EVENT_DIRS.join(', ')} (from any directory; --out is written where you are).

Publishing: to the dry-run sink (every message written as one JSON line to --out, default ${DEFAULT_OUT}) unless
AWS_ENDPOINT_URL_SNS points at an SNS-compatible endpoint (\`npm run local-aws\` starts one) or BRIDGE_PUBLISH=sns
(real AWS credentials needed). If publishing fails, the first error, the endpoint and a hint are printed at once.

Options:
  --routes FILE  routes file (default: the project's ${DEFAULT_ROUTES_FILE})
  --out FILE     where the dry-run sink writes (default ${DEFAULT_OUT})
  -h, --help     show this help
`;

function eventFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.endsWith('.json') || name.endsWith('.ndjson')) files.push(path.join(p, name));
      }
    } else files.push(p);
  }
  return files;
}

const NETWORK = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|TimeoutError)$/;
const CREDENTIALS =
  /^(CredentialsProviderError|ExpiredToken|InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|AccessDenied)/;

/** Why publishing failed, where to, and what to try. */
function publishFailure(code: string, reason: string, io: Io): string {
  const configured = io.env.AWS_ENDPOINT_URL_SNS
    ? `${io.env.AWS_ENDPOINT_URL_SNS} (AWS_ENDPOINT_URL_SNS)`
    : io.env.AWS_ENDPOINT_URL
      ? `${io.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL)`
      : "AWS SNS in each topic's region";
  const hint = NETWORK.test(code)
    ? "nothing answers there: start the local test servers with 'npm run local-aws' and export what it prints, or unset AWS_ENDPOINT_URL_SNS for a dry run"
    : CREDENTIALS.test(code)
      ? 'the AWS credentials are missing or refused: set AWS_PROFILE (or AWS_ACCESS_KEY_ID...), or unset BRIDGE_PUBLISH for a dry run'
      : 'docs/publishing.md lists what each SNS error means';
  return `ses-bridge demo: publishing failed: ${code} from ${configured}\n  ${reason}\nhint: ${hint}\n`;
}

export const command: Command = {
  name: 'demo',
  summary: 'run the bridge over the sample events with the example routes (npm start)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { routes: { type: 'string' }, out: { type: 'string' } });
    const routesFile = values.routes ?? fromProject(DEFAULT_ROUTES_FILE);
    const routes = compileRoutes(loadRoutesFile(routesFile, {}, parseRoutesFileText));
    const mode = resolvePublishMode({
      BRIDGE_PUBLISH: io.env.BRIDGE_PUBLISH,
      AWS_ENDPOINT_URL_SNS: io.env.AWS_ENDPOINT_URL_SNS,
      AWS_ENDPOINT_URL: io.env.AWS_ENDPOINT_URL,
    });
    const out = values.out ?? DEFAULT_OUT;
    if (mode === 'dry-run') {
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, '');
    }
    const publisher =
      mode === 'sns'
        ? // A demo says what is wrong within seconds instead of retrying for the Lambda's 20 s budget per batch.
          createSnsPublisher({ retry: { maxAttempts: 2, maxElapsedMs: 2_000 } })
        : createDryRunPublisher((text: string) => appendFileSync(out, text));
    const files = eventFiles(positionals.length > 0 ? positionals : DEFAULT_EVENT_DIRS.map(fromProject));

    const perRoute = new PairTally();
    const totals = { records: 0, delivered: 0, skippedFormat: 0, dropped: 0, rejected: 0, skippedInputs: 0, retry: 0 };
    const rejections: string[] = [];
    for (const file of files) {
      for (const doc of splitDocuments(io.readInput(file))) {
        // Each document is one trigger invocation, as Lambda would deliver it.
        const deps = { routes, publisher, parkingTopicArn: null };
        const report =
          doc.error === undefined
            ? await processDocument(doc.value, doc.text, deps)
            : await processBatch([unparsableDocument(jsonErrorOf(doc.text), doc.text)], deps);
        for (const { route, type, delivered } of report.counts.routed) perRoute.add(route, type, delivered);
        totals.records += report.counts.records;
        totals.delivered += report.counts.delivered;
        totals.skippedFormat += report.counts.skippedFormat;
        totals.dropped += report.counts.dropped;
        totals.skippedInputs += report.counts.skippedInputs;
        totals.rejected += report.unparked.length;
        totals.retry += [...report.failed.values()].filter((r) => r.status === 'retryable').length;
        for (const r of report.unparked)
          rejections.push(`  ${shown(file)} ${r.path || '(document)'}: ${r.code}: ${r.reason}`);
        const failed = [...report.failed.values()].find((r) => r.status === 'retryable');
        // Nothing got through: every other file would fail the same way, so stop and say why.
        if (failed !== undefined && report.counts.delivered === 0) {
          io.stderr(publishFailure(failed.code, failed.reason, io));
          return ExitCode.rejected;
        }
      }
    }

    const topicOf = new Map(routes.config.routes.map((r) => [r.name, `${r.to.topicArn} (${r.to.format})`]));
    const rows = [['route', 'type', 'messages', 'destination']];
    for (const [route, type, n] of perRoute.rows()) rows.push([route, type, String(n), topicOf.get(route) ?? '']);
    io.stdout(
      [
        `ses-notification-bridge demo: ${files.length} event files, routes from ${shown(routesFile)}`,
        `publishing: ${mode === 'sns' ? 'SNS' : `dry run, every message written to ${out}`}`,
        '',
        table(rows),
        '',
        `records: ${totals.records}  delivered: ${totals.delivered}  skipped (format cannot carry the type): ${totals.skippedFormat}  unmatched (dropped): ${totals.dropped}`,
        `inputs skipped (not feedback): ${totals.skippedInputs}  rejected (would be parked): ${totals.rejected}  publish failures (would be retried): ${totals.retry}`,
        ...(rejections.length > 0 ? ['', 'rejected:', ...rejections] : []),
        '',
      ].join('\n'),
    );
    return totals.retry > 0 ? ExitCode.rejected : ExitCode.ok;
  },
};
