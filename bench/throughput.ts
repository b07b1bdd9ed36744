/**
 * Throughput of the four contestants over one SQS-of-SNS batch, measured the same way, in one process:
 * warm-up rounds, then timed rounds in which every contestant runs once, in an order that rotates from round to
 * round (so none always runs first after a GC or last on a warm cache). Each timed run starts after a full GC, and
 * its own garbage collection counts: allocation is part of the cost.
 *
 * Ratios are throughput ratios taken within a round (floor ms / contestant ms), so a noisy moment of the machine
 * slows both sides of a ratio; their spread across rounds is reported, not one value.
 */

import v8 from 'node:v8';
import vm from 'node:vm';
import type { PublishBatchInput } from '@aws-sdk/client-sns';
import { dynamoTableApi } from '#lib/dedupe/dynamodb-json';
import { createDedupingPublisher } from '#lib/dedupe/publisher';
import { DEFAULT_DEDUPE_SETTINGS, DedupeStore } from '#lib/dedupe/store';
import { readFeedback, readFeedbackInto } from '#lib/intake';
import { type BridgeDeps, processDocument } from '#lib/pipeline';
import { createSnsPublisher, type SnsSender } from '#lib/publish/sns';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { benchRoutes, OWNER_ACCOUNT, REGION, type SqsEvent } from './corpus';
import { createTableSink, type TableSinkStats } from './dedupe-sink';
import { parseWithPowertools } from './powertools';
import { assertSameRequests } from './sdk-check';
import { type CapturedRequest, createSdkSinkClient, type SdkSinkStats } from './sdk-sink';
import { createSinkClient, type SinkStats } from './sink';
import { type Spread, spread } from './stats';

export const CONTESTANTS = [
  'floor',
  'floor-kept',
  'normalize',
  'normalize-kept',
  'pipeline',
  'pipeline-sdk',
  'pipeline-dedupe',
  'powertools',
] as const;
export type Contestant = (typeof CONTESTANTS)[number];

/** A full collection between timed runs; the flag can be set at run time, before the first `gc` lookup. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** JSON.parse of each SQS body and of its SNS `Message`, nothing else: the floor of this work in Node. */
export function floor(event: SqsEvent): number {
  let parsed = 0;
  for (const record of event.Records) {
    const envelope = JSON.parse(record.body) as { Message: string };
    if (JSON.parse(envelope.Message) !== null) parsed++;
  }
  return parsed;
}

/**
 * The floor, keeping what it parsed until the batch is done, as any handler that returns or batches its records
 * must: not a target, the context for the others. The difference to `floor` is young-generation GC copying what
 * is still referenced.
 */
export function floorKept(event: SqsEvent): number {
  const kept: unknown[] = [];
  for (const record of event.Records) {
    const envelope = JSON.parse(record.body) as { Message: string };
    kept.push(JSON.parse(envelope.Message));
  }
  return kept.length;
}

/**
 * Unwrap + normalize, as the handlers do it: each outcome is handed on as soon as its record is normalized
 * (lib/pipeline's processDocument routes and renders it there; here it is only counted), so no batch of events is kept.
 */
export function normalize(event: SqsEvent): number {
  let events = 0;
  readFeedbackInto(event, null, (outcome) => {
    if (outcome.kind === 'event') events++;
  });
  return events;
}

/**
 * Unwrap + normalize into an array of every outcome (`readFeedback`, as the CLI and any batch caller get them): the
 * same work as `normalize`, keeping its 10,000 events to the end, as `floor-kept` and `powertools` keep theirs.
 */
export function normalizeKept(event: SqsEvent): number {
  let events = 0;
  for (const outcome of readFeedback(event)) if (outcome.kind === 'event') events++;
  return events;
}

export const PARKING_TOPIC_ARN = `arn:aws:sns:${REGION}:${OWNER_ACCOUNT}:bench-parking`;

/**
 * The handlers' path minus the network: processDocument (read, route and render each record as it is read) with the real SNS
 * publisher (group by topic, pack PublishBatch requests of 10, build each entry's Id, Message and
 * MessageAttributes) sending to an in-process client that accepts everything.
 */
export function createPipeline(
  format: 'notification' | 'event' | 'original' | 'normalized' = 'notification',
  options: { capture?: boolean } = {},
): {
  run: (event: SqsEvent) => Promise<number>;
  stats: SinkStats;
  captured: PublishBatchInput[];
  deps: BridgeDeps;
} {
  const sink = createSinkClient(options);
  const deps = pipelineDeps(format, sink.client);
  return {
    deps,
    stats: sink.stats,
    captured: sink.captured,
    run: async (event) => (await processDocument(event, null, deps)).counts.delivered,
  };
}

/**
 * The same pipeline publishing through a real SNSClient configured as the handlers' (bench/sdk-sink.ts): request
 * serialization, SigV4 signing, the middleware stack and XML response parsing included; only the network is left
 * out. This is the cost a deployed function pays per batch, apart from waiting on SNS.
 */
export function createPipelineSdk(
  format: 'notification' | 'event' | 'original' | 'normalized' = 'notification',
  options: { capture?: boolean } = {},
): {
  run: (event: SqsEvent) => Promise<number>;
  stats: SdkSinkStats;
  captured: CapturedRequest[];
  destroy: () => void;
} {
  const sink = createSdkSinkClient(REGION, options);
  const deps = pipelineDeps(format, sink.client);
  return {
    stats: sink.stats,
    captured: sink.captured,
    destroy: sink.destroy,
    run: async (event) => (await processDocument(event, null, deps)).counts.delivered,
  };
}

/**
 * `pipeline` with every route `"dedupe": true`: each message is claimed in the table and marked delivered through
 * the bridge's own DynamoDB client (request bodies, SigV4 signing, bounded concurrency, response parsing), whose
 * transport is an in-process table (bench/dedupe-sink.ts), emptied before each run so every run publishes the same.
 */
export function createPipelineDedupe(): { run: (event: SqsEvent) => Promise<number>; table: TableSinkStats } {
  const sink = createSinkClient();
  const table = createTableSink();
  const fixedNow = Date.UTC(2026, 0, 2);
  const store = new DedupeStore(
    dynamoTableApi(REGION, {
      transport: table.transport,
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench' },
    }),
    { ...DEFAULT_DEDUPE_SETTINGS, tableName: 'bench-dedupe' },
  );
  const base = pipelineDeps('notification', sink.client, true);
  const deps = {
    ...base,
    publisher: createDedupingPublisher(base.publisher, { store, onUnavailable: 'publish', now: () => fixedNow }),
  };
  return {
    table: table.stats,
    run: async (event) => {
      table.clear();
      return (await processDocument(event, null, deps)).counts.delivered;
    },
  };
}

function pipelineDeps(
  format: 'notification' | 'event' | 'original' | 'normalized',
  client: SnsSender,
  dedupe = false,
): BridgeDeps {
  const fixedNow = new Date(Date.UTC(2026, 0, 2));
  const routes = benchRoutes(format);
  if (dedupe) for (const route of routes.routes) route.dedupe = true;
  return {
    // Compiled once, as at cold start: routing tables are not part of the per-batch cost.
    routes: compileRoutes(parseRoutesConfig(routes, 'bench routes')),
    publisher: createSnsPublisher({ clientFor: () => client }),
    parkingTopicArn: PARKING_TOPIC_ARN,
    now: () => fixedNow,
  };
}

/** The Powertools parser with its SnsSqsEnvelope and a zod schema of the same records (bench/powertools.ts). */
export function powertools(event: SqsEvent): number {
  return parseWithPowertools(event).length;
}

/** The throughput ratios reported (a/b: how many times as fast as b a is). */
export const RATIOS = [
  'floor-kept/floor',
  'normalize/floor',
  'normalize-kept/floor',
  'pipeline/floor',
  'pipeline-sdk/floor',
  'pipeline-sdk/pipeline',
  'pipeline-dedupe/floor',
  'pipeline-dedupe/pipeline',
  'powertools/floor',
  'normalize-kept/floor-kept',
  'normalize/powertools',
  'normalize-kept/powertools',
] as const;
export type RatioName = (typeof RATIOS)[number];

export interface ThroughputOptions {
  warmupRounds: number;
  rounds: number;
  /** Called after each round, for progress on stderr. */
  onRound?: (round: number, ms: Record<Contestant, number>, warmup: boolean) => void;
}

export interface ThroughputResult {
  /** Milliseconds per batch, every timed round, per contestant (in round order). */
  roundsMs: Record<Contestant, number[]>;
  ms: Record<Contestant, Spread>;
  /** Throughput ratios per round (a/b = ms of b / ms of a), with their spread. */
  ratios: Record<RatioName, Spread>;
  /** What each contestant returned: records parsed, events normalized, messages delivered. */
  results: Record<Contestant, number>;
  sink: SinkStats;
  /** pipeline-sdk's requests, entries and body bytes per batch. */
  sdkSink: SdkSinkStats;
  /** PublishBatch requests of one batch found equal, entry by entry, between pipeline and pipeline-sdk. */
  checkedRequests: number;
  /** pipeline-dedupe's table requests per batch (a claim and a mark per message published). */
  dedupeTableRequests: number;
}

/** One run of each pipeline keeping its requests: throws unless pipeline-sdk sent what pipeline sent. */
export async function checkPipelineSdk(event: SqsEvent): Promise<number> {
  const sink = createPipeline('notification', { capture: true });
  const sdk = createPipelineSdk('notification', { capture: true });
  try {
    const [delivered, deliveredSdk] = [await sink.run(event), await sdk.run(event)];
    if (delivered !== deliveredSdk)
      throw new Error(`pipeline-sdk delivered ${deliveredSdk} messages, pipeline ${delivered}`);
    return assertSameRequests(sink.captured, sdk.captured);
  } finally {
    sdk.destroy();
  }
}

/** Runs the contestants on `event`. Throws when a contestant's result changes between runs (a broken bench). */
export async function measureThroughput(event: SqsEvent, options: ThroughputOptions): Promise<ThroughputResult> {
  const gc = exposeGc();
  const pipeline = createPipeline('notification');
  const pipelineSdk = createPipelineSdk('notification');
  const pipelineDedupe = createPipelineDedupe();
  const checkedRequests = await checkPipelineSdk(event);
  const runners: Record<Contestant, (event: SqsEvent) => number | Promise<number>> = {
    floor,
    'floor-kept': floorKept,
    normalize,
    'normalize-kept': normalizeKept,
    pipeline: pipeline.run,
    'pipeline-sdk': pipelineSdk.run,
    'pipeline-dedupe': pipelineDedupe.run,
    powertools,
  };
  const results = {} as Record<Contestant, number>;
  const roundsMs = Object.fromEntries(CONTESTANTS.map((c) => [c, []])) as unknown as Record<Contestant, number[]>;
  const total = options.warmupRounds + options.rounds;
  for (let round = 0; round < total; round++) {
    const warmup = round < options.warmupRounds;
    const ms = {} as Record<Contestant, number>;
    for (let k = 0; k < CONTESTANTS.length; k++) {
      const name = CONTESTANTS[(round + k) % CONTESTANTS.length] as Contestant;
      gc();
      const start = process.hrtime.bigint();
      const result = await runners[name](event);
      ms[name] = Number(process.hrtime.bigint() - start) / 1e6;
      if (results[name] !== undefined && results[name] !== result)
        throw new Error(`${name} returned ${result}, earlier ${results[name]}`);
      results[name] = result;
    }
    if (!warmup) for (const name of CONTESTANTS) roundsMs[name].push(ms[name]);
    options.onRound?.(round, ms, warmup);
  }
  const ratio = (a: Contestant, b: Contestant) => spread(roundsMs[a].map((msA, i) => (roundsMs[b][i] as number) / msA));
  return {
    roundsMs,
    ms: Object.fromEntries(CONTESTANTS.map((c) => [c, spread(roundsMs[c])])) as Record<Contestant, Spread>,
    ratios: Object.fromEntries(
      RATIOS.map((name) => {
        const [a, b] = name.split('/') as [Contestant, Contestant];
        return [name, ratio(a, b)];
      }),
    ) as Record<RatioName, Spread>,
    results,
    sink: { ...pipeline.stats },
    // Per batch: the stats count every run, warm-up included.
    sdkSink: {
      requests: pipelineSdk.stats.requests / total,
      entries: pipelineSdk.stats.entries / total,
      bodyBytes: pipelineSdk.stats.bodyBytes / total,
    },
    checkedRequests,
    dedupeTableRequests: pipelineDedupe.table.requests / total,
  };
}
