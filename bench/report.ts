/** The shape of bench/results.json and its table in docs/performance.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SdkSinkStats } from './sdk-sink';
import type { SinkStats } from './sink';
import type { SnsRequestCount } from './sns-requests';
import type { Spread } from './stats';
import type { Contestant, RatioName } from './throughput';

export interface Report {
  generatedAt: string;
  command: string;
  durationSeconds: number;
  machine: { cpu: string; cores: number; memoryGB: number; platform: string; node: string; v8: string };
  versions: Record<string, string>;
  corpus: {
    seed: number;
    records: number;
    sqsBodyBytes: number;
    recordBytes: Spread;
    mixTarget: Record<string, number>;
    legacyShareOfBounceComplaintDelivery: number;
    mix: Record<string, number>;
  };
  method: Record<string, string | number>;
  throughput: Record<Contestant, { ms: Spread; recordsPerSecond: number; usPerRecord: number; result: number }>;
  ratios: Record<RatioName, Spread>;
  pipelineSink: SinkStats;
  pipelineSdk: SdkSinkStats & { checkedRequests: number };
  /** pipeline-dedupe's requests to the in-process table per batch (absent in reports older than the contestant). */
  pipelineDedupe?: { tableRequests: number };
  errorPaths: {
    case: string;
    bridge: { path: string; message: string; otherRecords: string } | null;
    powertools: { path: string | null; message: string | null; otherRecords: string };
  };
  sns: { oneInvocation: SnsRequestCount; batchSize100: SnsRequestCount; notificationFormat: SnsRequestCount };
  zipBytes: Record<string, number>;
  referenceBundleBytes: number;
  coldRequireMs: Record<string, Spread & { ratioToReference: number }>;
  peakRss: {
    maxRssMB: number;
    baselineMaxRssMB: number;
    records: number;
    eventBytes: number;
    delivered: number | null;
    batchItemFailures: number | null;
    ms: number | null;
  };
  targets: Array<{ figure: string; target: string; value: number; met: boolean }>;
  figures?: Record<string, number>;
}

const START = '<!-- bench:results:start (written by npm run bench; edit bench/report.ts instead) -->';
const END = '<!-- bench:results:end -->';

const fmtSpread = (s: Spread, digits = 2) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;

/** The results section: what ran where, every figure with its spread, and each target met or missed. */
export function renderMarkdown(r: Report): string {
  const lines: string[] = [];
  lines.push(`Run \`${r.command}\` on ${r.generatedAt.slice(0, 10)}, ${r.durationSeconds} s.`);
  lines.push('');
  lines.push(
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGB} GB, ${r.machine.platform}; Node ${r.machine.node} (V8 ${r.machine.v8}).`,
  );
  lines.push(
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push('');
  lines.push(
    `Corpus: ${r.corpus.records.toLocaleString('en-US')} SES records (seed ${r.corpus.seed}), ${r.corpus.recordBytes.min}-${r.corpus.recordBytes.max} bytes each (median ${r.corpus.recordBytes.median}), ` +
      `${(r.corpus.sqsBodyBytes / 1024 / 1024).toFixed(1)} MB of SQS bodies; ${r.method.warmupRounds} warm-up rounds, then ${r.method.rounds} timed rounds.`,
  );
  lines.push('');
  lines.push(
    '| contestant | ms per batch, median (min-max) | records/s | µs/record | throughput vs floor, median (min-max) |',
  );
  lines.push('|---|---|---|---|---|');
  const vsFloor: Record<Contestant, string> = {
    floor: '1',
    'floor-kept': fmtSpread(r.ratios['floor-kept/floor']),
    normalize: fmtSpread(r.ratios['normalize/floor']),
    'normalize-kept': fmtSpread(r.ratios['normalize-kept/floor']),
    pipeline: fmtSpread(r.ratios['pipeline/floor']),
    'pipeline-sdk': fmtSpread(r.ratios['pipeline-sdk/floor']),
    'pipeline-dedupe': r.ratios['pipeline-dedupe/floor'] ? fmtSpread(r.ratios['pipeline-dedupe/floor']) : 'n/a',
    powertools: fmtSpread(r.ratios['powertools/floor']),
  };
  for (const [name, t] of Object.entries(r.throughput) as Array<[Contestant, Report['throughput'][Contestant]]>) {
    lines.push(
      `| \`${name}\` | ${fmtSpread(t.ms, 1)} | ${t.recordsPerSecond.toLocaleString('en-US')} | ${t.usPerRecord} | ${vsFloor[name]} |`,
    );
  }
  lines.push('');
  lines.push(
    `\`normalize-kept/powertools\` (both keep every record): ${fmtSpread(r.ratios['normalize-kept/powertools'])}; \`normalize/powertools\`: ${fmtSpread(r.ratios['normalize/powertools'])}; ` +
      `\`normalize-kept/floor-kept\` (both keep what they read): ${fmtSpread(r.ratios['normalize-kept/floor-kept'])}.`,
  );
  lines.push('');
  lines.push(
    `\`pipeline-sdk\` (the cost a deployed function pays, the network aside) against \`pipeline\`: ${fmtSpread(r.ratios['pipeline-sdk/pipeline'])} of its throughput; ` +
      `${r.pipelineSdk.requests} PublishBatch requests per batch, ${r.pipelineSdk.entries} entries, ${(r.pipelineSdk.bodyBytes / 1024 / 1024).toFixed(1)} MB of signed form bodies; ` +
      `all ${r.pipelineSdk.checkedRequests} requests of one batch checked equal to \`pipeline\`'s, entry by entry, before timing.`,
  );
  lines.push('');
  if (r.pipelineDedupe !== undefined) {
    lines.push(
      `\`pipeline-dedupe\` (every route \`"dedupe": true\`; the bridge's own table client, signing included, against an in-process table) against \`pipeline\`: ` +
        `${fmtSpread(r.ratios['pipeline-dedupe/pipeline'])} of its throughput; ${r.pipelineDedupe.tableRequests} table requests per batch (a claim and a mark per message).`,
    );
    lines.push('');
  }
  const e = r.errorPaths;
  lines.push(
    `Error path for the same bad record (${e.case}): bridge \`${e.bridge?.path}\` ("${e.bridge?.message}", other records delivered); Powertools \`${e.powertools.path}\` ("${e.powertools.message}", ${e.powertools.otherRecords}).`,
  );
  lines.push('');
  lines.push('| figure | value | target | met |');
  lines.push('|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.figure} | ${t.value} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  const s = r.sns;
  lines.push(
    `SNS requests (SNS test server): ${s.oneInvocation.requests} for ${s.oneInvocation.published} messages in one invocation of ${s.oneInvocation.records} records; ` +
      `${s.batchSize100.requests} when the same records come in ${s.batchSize100.invocations} invocations of 100 (serverless.yml's batchSize); ` +
      `${s.notificationFormat.requests} for the ${s.notificationFormat.published} messages the notification format publishes (the other records are types it cannot carry).`,
  );
  lines.push('');
  lines.push('| bundle | zip bytes | cold require ms, median (min-max) | vs reference |');
  lines.push('|---|---|---|---|');
  for (const [name, c] of Object.entries(r.coldRequireMs)) {
    const zip = name.startsWith('reference') ? `${r.referenceBundleBytes} (unzipped .js)` : String(r.zipBytes[name]);
    lines.push(`| ${name} | ${zip} | ${fmtSpread(c, 1)} | ${c.ratioToReference} |`);
  }
  lines.push('');
  const p = r.peakRss;
  lines.push(
    `Peak RSS: ${p.maxRssMB} MB for one SQS batch of ${p.records} records (${(p.eventBytes / 1024 / 1024).toFixed(2)} MB) through the packaged route-sqs handler (dry-run sink, ${p.delivered} messages, ${p.ms} ms); ` +
      `${p.baselineMaxRssMB} MB for a process that only reads and parses the same payload.`,
  );
  return lines.join('\n');
}

/** Replaces the generated section of docs/performance.md (between its markers), or appends one. */
export function updatePerformanceDoc(file: string, section: string): void {
  const block = `${START}\n${section}\n${END}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance\n';
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${block}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n## Results\n\n${block}\n`;
  writeFileSync(file, next);
}
