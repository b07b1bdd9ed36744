import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROUTES_FILE, loadRoutesFile, resolvePublishMode } from '#lib/config';
import { splitDocuments } from '#lib/envelopes/index';
import { processBatch, processDocument } from '#lib/pipeline';
import { createDryRunPublisher } from '#lib/publish/dry-run';
import { createSnsPublisher } from '#lib/publish/sns';
import { compileRoutes } from '#lib/routing/index';
import { type Command, ExitCode, parseCommandArgs, table, unparsableDocument } from '../cli';

const DEFAULT_EVENT_DIRS = ['events/sns', 'events/sqs', 'events/eventbridge', 'events/firehose'];
const DEFAULT_OUT = '.demo/published.ndjson';

const usage = `Usage: ses-bridge demo [--routes FILE] [--out FILE] [PATH ...]

Runs the bridge over sample events, exactly as the Lambda handlers do (normalize, route, render, publish), and
prints a summary per route. Each PATH is an event file or a folder of them; default: ${DEFAULT_EVENT_DIRS.join(', ')}.

Publishing: to the dry-run sink (every message written as one JSON line to --out, default ${DEFAULT_OUT}) unless
AWS_ENDPOINT_URL_SNS points at an SNS-compatible endpoint or BRIDGE_PUBLISH=sns (real AWS credentials needed).

Options:
  --routes FILE  routes file (default ${DEFAULT_ROUTES_FILE})
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

export const command: Command = {
  name: 'demo',
  summary: 'run the bridge over the sample events with the example routes (npm start)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { routes: { type: 'string' }, out: { type: 'string' } });
    const routesFile = values.routes ?? DEFAULT_ROUTES_FILE;
    const routes = compileRoutes(loadRoutesFile(routesFile, {}));
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
      mode === 'sns' ? createSnsPublisher() : createDryRunPublisher((text: string) => appendFileSync(out, text));
    const files = eventFiles(positionals.length > 0 ? positionals : DEFAULT_EVENT_DIRS);

    const perRoute = new Map<string, number>();
    const totals = { records: 0, delivered: 0, skippedFormat: 0, dropped: 0, rejected: 0, skippedInputs: 0, retry: 0 };
    const rejections: string[] = [];
    for (const file of files) {
      for (const doc of splitDocuments(io.readInput(file))) {
        // Each document is one trigger invocation, as Lambda would deliver it.
        const deps = { routes, publisher, parkingTopicArn: null };
        const report =
          doc.error === undefined
            ? await processDocument(doc.value, doc.text, deps)
            : await processBatch([unparsableDocument(doc.error, doc.text)], deps);
        for (const [key, n] of report.counts.routed) perRoute.set(key, (perRoute.get(key) ?? 0) + n);
        totals.records += report.counts.records;
        totals.delivered += report.counts.delivered;
        totals.skippedFormat += report.counts.skippedFormat;
        totals.dropped += report.counts.dropped;
        totals.skippedInputs += report.counts.skippedInputs;
        totals.rejected += report.unparked.length;
        totals.retry += [...report.failed.values()].filter((r) => r.status === 'retryable').length;
        for (const r of report.unparked) rejections.push(`  ${file} ${r.path || '(document)'}: ${r.code}: ${r.reason}`);
      }
    }

    const topicOf = new Map(routes.config.routes.map((r) => [r.name, `${r.to.topicArn} (${r.to.format})`]));
    const rows = [['route', 'type', 'messages', 'destination']];
    for (const [key, n] of [...perRoute].sort()) {
      const [route, type] = key.split('\t') as [string, string];
      rows.push([route, type, String(n), topicOf.get(route) ?? '']);
    }
    io.stdout(
      [
        `ses-notification-bridge demo: ${files.length} event files, routes from ${routesFile}`,
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
