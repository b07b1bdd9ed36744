/**
 * `npm run bench [-- --quick]`: where the bridge stands beside the floor (JSON.parse alone) and beside a handler
 * written on the Powertools parser, in one run. Writes bench/results.json (full run) or bench/results.quick.json
 * (--quick) and, after a full run, the results section of docs/performance.md. Progress goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFeedback } from '#lib/intake';
import {
  benchRoutes,
  eventUpToBytes,
  generateRecords,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  LEGACY_SHARE,
  MIX,
  type SqsEvent,
  sqsOfSnsEvent,
} from './corpus';
import { buildReferenceBundle, coldRequire, extractZip, packageFunctions, peakRss, REPO_ROOT } from './fixed-costs';
import { safeParseWithPowertools } from './powertools';
import { type Report, renderMarkdown, updatePerformanceDoc } from './report';
import { countSnsRequests } from './sns-requests';
import { median, round, roundSpread } from './stats';
import { CONTESTANTS, measureThroughput, RATIOS } from './throughput';

const USAGE = `Usage: npm run bench [-- --quick] [-- --help]

Measures, in one run (docs/performance.md explains each figure):
  throughput of floor (JSON.parse only), floor-kept (the same, keeping what it parsed), normalize (as the
  handlers read), normalize-kept (the same, keeping every event), pipeline (publishing to an in-process
  stand-in), pipeline-sdk (publishing through the real SDK client, no network), pipeline-dedupe (pipeline with
  every route de-duplicated against an in-process table) and powertools over one
  SQS-of-SNS batch of 10,000 records
  SNS requests per 1,000 records routed to 10 topics (SNS test server on 127.0.0.1)
  each function's zip (serverless package), cold require of each bundle and of a client-sns reference bundle
  peak RSS of one 6 MB SQS batch through the packaged route-sqs handler

Options:
  --quick   fewer rounds and cold starts (under a minute); writes bench/results.quick.json, leaves the docs alone
  --help    this text

Full run: bench/results.json and the results section of docs/performance.md.`;

interface Settings {
  quick: boolean;
  seed: number;
  records: number;
  warmupRounds: number;
  rounds: number;
  coldRuns: number;
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function versionOf(pkg: string): string {
  return (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGB: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}

function versions() {
  const own = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    'ses-notification-bridge': own.version,
    '@aws-lambda-powertools/parser': versionOf('@aws-lambda-powertools/parser'),
    zod: versionOf('zod'),
    '@aws-sdk/client-sns': versionOf('@aws-sdk/client-sns'),
    esbuild: versionOf('esbuild'),
    'serverless-esbuild': versionOf('serverless-esbuild'),
    osls: versionOf('osls'),
    tsx: versionOf('tsx'),
  };
}

/** The same bad record through both parsers: which path does each report? */
function errorPaths(event: SqsEvent): Report['errorPaths'] {
  const bad = structuredClone({ Records: event.Records.slice(0, 3) });
  const record = bad.Records[1]!;
  const envelope = JSON.parse(record.body) as { Message: string };
  const ses = JSON.parse(envelope.Message) as { mail: { destination: unknown[] } };
  ses.mail.destination = ['first@example.com', 42];
  envelope.Message = JSON.stringify(ses);
  record.body = JSON.stringify(envelope);
  const problem = readFeedback(bad).find((o) => o.kind === 'problem');
  const powertools = safeParseWithPowertools(bad);
  const issues = powertools.success
    ? []
    : ((powertools.error.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues ?? []);
  const jsonPath = (parts: PropertyKey[]) =>
    parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  return {
    case: 'Records[1]: mail.destination[1] is the number 42',
    bridge:
      problem?.kind === 'problem'
        ? { path: problem.problem.path, message: problem.problem.message, otherRecords: 'delivered' }
        : null,
    powertools: {
      path: issues[0] ? jsonPath(issues[0].path) : null,
      message: issues[0]?.message ?? null,
      otherRecords: powertools.success
        ? 'delivered'
        : 'the whole batch fails (parse) or is reported failed (safeParse)',
    },
  };
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) {
    process.stderr.write(`unknown option ${unknown[0]}\n\n${USAGE}\n`);
    return 2;
  }
  const quick = argv.includes('--quick');
  const settings: Settings = {
    quick,
    seed: 20260101,
    records: 10_000,
    warmupRounds: quick ? 2 : 3,
    rounds: quick ? 7 : 25,
    coldRuns: quick ? 5 : 20,
  };
  const started = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'ses-bridge-bench-'));
  try {
    progress(`corpus: ${settings.records} records, seed ${settings.seed}`);
    const records = generateRecords(settings.records, settings.seed);
    const event = sqsOfSnsEvent(records, settings.seed);
    const recordBytes = records.map((r) => Buffer.byteLength(r.text));
    const mix: Record<string, number> = {};
    for (const r of records) mix[`${r.type}/${r.format}`] = (mix[`${r.type}/${r.format}`] ?? 0) + 1;

    progress(
      `throughput: ${settings.warmupRounds} warm-up + ${settings.rounds} timed rounds of ${CONTESTANTS.join(', ')}`,
    );
    const throughput = await measureThroughput(event, {
      warmupRounds: settings.warmupRounds,
      rounds: settings.rounds,
      onRound: (round, ms, warmup) =>
        progress(
          `  round ${round + 1}${warmup ? ' (warm-up)' : ''}: ${CONTESTANTS.map((c) => `${c} ${ms[c].toFixed(0)} ms`).join(', ')}`,
        ),
    });

    progress('error paths: one bad record through both parsers');
    const errors = errorPaths(event);

    progress('SNS requests: 1,000 records to 10 topics through the SNS test server');
    const thousand = { Records: event.Records.slice(0, 1000) };
    const sns = {
      oneInvocation: await countSnsRequests(thousand, 1000, 'original'),
      batchSize100: await countSnsRequests(thousand, 100, 'original'),
      notificationFormat: await countSnsRequests(thousand, 1000, 'notification'),
    };

    progress('serverless package (into a temporary folder)');
    const packageDir = path.join(work, 'package');
    const zipBytes = await packageFunctions(packageDir);
    const bundles: Record<string, string> = {};
    for (const name of Object.keys(zipBytes)) {
      const files = extractZip(path.join(packageDir, `${name}.zip`), path.join(work, 'unzipped', name));
      const js = files.find((f) => f.endsWith('.js'));
      if (js === undefined) throw new Error(`${name}.zip holds no .js file`);
      bundles[name] = js;
    }
    const referenceFile = path.join(work, 'reference', 'client-sns.js');
    const referenceBytes = await buildReferenceBundle(referenceFile);

    progress(`cold require: ${settings.coldRuns} fresh processes per bundle`);
    const cold = await coldRequire({ 'reference (client-sns only)': referenceFile, ...bundles }, settings.coldRuns);

    progress('peak RSS: one 6 MB SQS batch through the packaged route-sqs handler');
    const big = eventUpToBytes(LAMBDA_PAYLOAD_LIMIT_BYTES, settings.seed + 1);
    const eventFile = path.join(work, 'sqs-6mb.json');
    writeFileSync(eventFile, big.text);
    const routesFile = path.join(work, 'routes.json');
    writeFileSync(routesFile, JSON.stringify(benchRoutes('notification')));
    const sqsHandler = bundles['route-sqs'];
    if (sqsHandler === undefined) throw new Error('serverless package produced no route-sqs.zip');
    const rss = {
      ...(await peakRss(sqsHandler, eventFile, routesFile)),
      records: big.event.Records.length,
      eventBytes: Buffer.byteLength(big.text),
    };

    const reference = cold['reference (client-sns only)']!;
    const report: Report = {
      generatedAt: new Date().toISOString(),
      command: quick ? 'npm run bench -- --quick' : 'npm run bench',
      durationSeconds: round((Date.now() - started) / 1000, 1),
      machine: machine(),
      versions: versions(),
      corpus: {
        seed: settings.seed,
        records: settings.records,
        sqsBodyBytes: event.Records.reduce((sum, r) => sum + Buffer.byteLength(r.body), 0),
        recordBytes: { min: Math.min(...recordBytes), median: median(recordBytes), max: Math.max(...recordBytes) },
        mixTarget: Object.fromEntries(MIX.map((m) => [m.type, m.share])),
        legacyShareOfBounceComplaintDelivery: LEGACY_SHARE,
        mix,
      },
      method: {
        warmupRounds: settings.warmupRounds,
        rounds: settings.rounds,
        coldRuns: settings.coldRuns,
        normalize:
          'readFeedbackInto with a consumer that counts events (the handlers read this way; their consumer routes and renders)',
        'normalize-kept': 'readFeedback: every outcome in one array, kept to the end of the batch',
        pipeline:
          'processDocument (20 routes keyed on sendingAccountId, notification format) with the real SNS publisher (group by topic, PublishBatch of 10 sent as each fills, entries with Id, Message, MessageAttributes) sending to an in-process client that accepts every entry',
        'pipeline-sdk':
          'the same pipeline publishing through a real SNSClient built with lib/aws-clients.ts (dummy credentials): serialization, SigV4 signing, middleware and awsQuery XML response parsing; its request handler does no I/O and answers every entry Id as Successful',
        'pipeline-dedupe':
          'the pipeline with every route "dedupe": true: a claim (conditional PutItem) before and a mark (PutItem) after each publish, through lib/dedupe/dynamodb-json (JSON bodies, SigV4 signing, response parsing, 16 writes in flight) whose transport is an in-process table emptied before each run; no network, no DynamoDB latency',
        ratios:
          'throughput ratios within each round (ms of the reference / ms of the contestant), min/median/max over the timed rounds',
      },
      throughput: Object.fromEntries(
        CONTESTANTS.map((c) => [
          c,
          {
            ms: roundSpread(throughput.ms[c], 1),
            recordsPerSecond: Math.round(settings.records / (throughput.ms[c].median / 1000)),
            usPerRecord: round((throughput.ms[c].median * 1000) / settings.records, 2),
            result: throughput.results[c],
          },
        ]),
      ) as Report['throughput'],
      ratios: Object.fromEntries(
        RATIOS.map((name) => [name, roundSpread(throughput.ratios[name])]),
      ) as Report['ratios'],
      pipelineSink: throughput.sink,
      pipelineSdk: { ...throughput.sdkSink, checkedRequests: throughput.checkedRequests },
      pipelineDedupe: { tableRequests: throughput.dedupeTableRequests },
      errorPaths: errors,
      sns,
      zipBytes,
      referenceBundleBytes: referenceBytes,
      coldRequireMs: Object.fromEntries(
        Object.entries(cold).map(([name, s]) => [
          name,
          { ...roundSpread(s, 1), ratioToReference: round(s.median / reference.median, 2) },
        ]),
      ),
      peakRss: {
        ...rss,
        maxRssMB: round(rss.maxRssMB, 1),
        baselineMaxRssMB: round(rss.baselineMaxRssMB, 1),
        ms: rss.ms === null ? null : round(rss.ms, 1),
      },
      targets: [],
    };
    report.targets = targetsOf(report);
    report.figures = figuresOf(report);

    const out = path.join(REPO_ROOT, 'bench', quick ? 'results.quick.json' : 'results.json');
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    progress(`wrote ${path.relative(REPO_ROOT, out)}`);
    if (!quick) {
      const doc = path.join(REPO_ROOT, 'docs/performance.md');
      updatePerformanceDoc(doc, renderMarkdown(report));
      // Aligned as `npm run lint` wants it, so a committed run passes CI.
      execFileSync(process.execPath, [require.resolve('@biomejs/biome/bin/biome'), 'format', '--write', doc], {
        stdio: 'ignore',
      });
      progress('updated docs/performance.md');
    }
    process.stdout.write(`${renderMarkdown(report)}\n`);
    progress(`done in ${report.durationSeconds} s`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function targetsOf(r: Report): Report['targets'] {
  const zips = Object.entries(r.zipBytes);
  const cold = Object.entries(r.coldRequireMs).filter(([name]) => !name.startsWith('reference'));
  return [
    {
      figure: 'normalize/floor (median)',
      target: '>= 0.85',
      value: r.ratios['normalize/floor'].median,
      met: r.ratios['normalize/floor'].median >= 0.85,
    },
    {
      figure: 'pipeline/floor (median)',
      target: '>= 0.60',
      value: r.ratios['pipeline/floor'].median,
      met: r.ratios['pipeline/floor'].median >= 0.6,
    },
    // Like for like: the Powertools parser returns every record in an array, so the bridge is held to it keeping its events too.
    {
      figure: 'pipeline-sdk/floor (median)',
      target: '>= 0.25',
      value: r.ratios['pipeline-sdk/floor'].median,
      met: r.ratios['pipeline-sdk/floor'].median >= 0.25,
    },
    {
      figure: 'normalize-kept/powertools (median)',
      target: '>= 1.4',
      value: r.ratios['normalize-kept/powertools'].median,
      met: r.ratios['normalize-kept/powertools'].median >= 1.4,
    },
    {
      figure: 'SNS requests per 1,000 records to 10 topics',
      target: '<= 110',
      value: round(r.sns.oneInvocation.requestsPer1000Published, 1),
      met: r.sns.oneInvocation.requestsPer1000Published <= 110,
    },
    ...zips.map(([name, bytes]) => ({
      figure: `${name}.zip KB`,
      target: '<= 150',
      value: round(bytes / 1024, 1),
      met: bytes <= 150 * 1024,
    })),
    ...cold.map(([name, s]) => ({
      figure: `${name} cold require / client-sns reference`,
      target: '<= 1.2',
      value: s.ratioToReference,
      met: s.ratioToReference <= 1.2,
    })),
    {
      figure: 'peak RSS of one 6 MB SQS batch, MB',
      target: '<= 200',
      value: r.peakRss.maxRssMB,
      met: r.peakRss.maxRssMB <= 200,
    },
  ];
}

/** One flat key per figure, for scripts comparing runs. */
function figuresOf(r: Report): Record<string, number> {
  const f: Record<string, number> = {};
  for (const [name, t] of Object.entries(r.throughput)) {
    f[`throughput.${name}.ms.median`] = t.ms.median;
    f[`throughput.${name}.recordsPerSecond`] = t.recordsPerSecond;
  }
  for (const [name, s] of Object.entries(r.ratios)) {
    f[`ratio.${name}.min`] = s.min;
    f[`ratio.${name}.median`] = s.median;
    f[`ratio.${name}.max`] = s.max;
  }
  f['pipelineSdk.requests'] = r.pipelineSdk.requests;
  f['pipelineSdk.bodyBytes'] = r.pipelineSdk.bodyBytes;
  if (r.pipelineDedupe !== undefined) f['pipelineDedupe.tableRequests'] = r.pipelineDedupe.tableRequests;
  f['sns.requestsPer1000Records.10topics'] = round(r.sns.oneInvocation.requestsPer1000Published, 1);
  f['sns.requestsPer1000Records.10topics.batchSize100'] = round(r.sns.batchSize100.requestsPer1000Published, 1);
  for (const [name, bytes] of Object.entries(r.zipBytes)) f[`zipBytes.${name}`] = bytes;
  for (const [name, s] of Object.entries(r.coldRequireMs)) {
    f[`coldRequireMs.${name}.median`] = s.median;
    f[`coldRequire.${name}.ratioToReference`] = s.ratioToReference;
  }
  f['peakRssMB.sqs6MB'] = r.peakRss.maxRssMB;
  f['peakRssMB.sqs6MB.payloadOnly'] = r.peakRss.baselineMaxRssMB;
  return f;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
