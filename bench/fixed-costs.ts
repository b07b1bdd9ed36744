/**
 * The costs paid per deployment and per cold start rather than per record: each function's packaged zip, the time
 * to load its bundle in a fresh process (beside a bundle holding only `@aws-sdk/client-sns`), and the peak RSS of one
 * Lambda-sized SQS batch run through the packaged route-sqs handler.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { type Spread, spread } from './stats';

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The environment of a machine with no AWS account (serverless package must not need one). */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    ...extra,
  };
  for (const key of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete env[key];
  return env;
}

/** `serverless package` into `dir` (never the tests' .serverless-test); returns zip name -> bytes. */
export async function packageFunctions(dir: string): Promise<Record<string, number>> {
  await run(path.join(REPO_ROOT, 'node_modules/.bin/serverless'), ['package', '--package', dir], {
    cwd: REPO_ROOT,
    env: offlineEnv(),
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const zips: Record<string, number> = {};
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .sort())
    zips[file.slice(0, -4)] = statSync(path.join(dir, file)).size;
  return zips;
}

/**
 * Extracts a zip (stored or deflated entries, as serverless writes them) into `dir`. A few lines of the zip format
 * rather than a dependency or an `unzip` binary the machine may not have. Returns the extracted file paths.
 */
export function extractZip(zipFile: string, dir: string): string[] {
  const zip = readFileSync(zipFile);
  // End of central directory: the last 0x06054b50 signature (the archive comment may follow it).
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${zipFile} is not a zip file`);
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files: string[] = [];
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${zipFile}: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    at = next;
    if (name.endsWith('/')) continue;
    const data = zip.subarray(dataStart, dataStart + compressed);
    const target = path.join(dir, name);
    if (!target.startsWith(dir)) throw new Error(`${zipFile}: entry ${name} escapes the target folder`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, method === 8 ? inflateRawSync(data) : data);
    files.push(target);
  }
  return files;
}

/**
 * The reference bundle: only `@aws-sdk/client-sns`, one SNSClient constructed, built with serverless.yml's
 * custom.esbuild options (bundle, minify, node20, mainFields module,main). What any SNS-publishing Lambda loads.
 */
export async function buildReferenceBundle(outfile: string): Promise<number> {
  await build({
    stdin: {
      contents:
        "import { SNSClient } from '@aws-sdk/client-sns';\nexport const client = new SNSClient({ region: process.env.AWS_REGION ?? 'us-east-1' });\n",
      resolveDir: REPO_ROOT,
      sourcefile: 'reference-client-sns.ts',
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    sourcemap: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

/** The environment a deployed function has (serverless.yml provider.environment), minus what needs AWS. */
export function lambdaEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'ses-notification-bridge',
    POWERTOOLS_METRICS_NAMESPACE: 'SesNotificationBridge',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    LOG_RECIPIENTS: 'false',
    ...extra,
  };
}

/**
 * Runs a child script and resolves to what it wrote to file descriptor 3: its answer stays apart from whatever the
 * code under test prints. The child's stdout goes to `stdoutFile` when given (dry-run lines), else nowhere.
 */
function runChild(script: string, args: string[], env: NodeJS.ProcessEnv, stdoutFile?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdout = stdoutFile === undefined ? 'ignore' : openSync(stdoutFile, 'w');
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', stdout, 'pipe', 'pipe'] });
    if (typeof stdout === 'number') closeSync(stdout);
    let answer = '';
    let err = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (answer += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(answer);
      else
        reject(
          new Error(
            `${path.basename(script)} ${args.map((a) => path.basename(a)).join(' ')} exited ${code}: ${err.slice(-2000)}`,
          ),
        );
    });
  });
}

/**
 * Cold `require` of each bundle, each time in a fresh `node` process, `runs` times; bundles take turns so a
 * noisy moment of the machine falls on all of them alike. Milliseconds of the require call alone.
 */
export async function coldRequire(
  bundles: Record<string, string>,
  runs: number,
  onRun?: (name: string, ms: number) => void,
): Promise<Record<string, Spread & { runs: number[] }>> {
  const script = path.join(__dirname, 'require-child.cjs');
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(bundles).map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, file] of Object.entries(bundles)) {
      const ms = Number((await runChild(script, [file], lambdaEnv())).trim());
      times[name]!.push(ms);
      onRun?.(name, ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, { ...spread(list), runs: list }]));
}

export interface RssResult {
  /** Peak RSS of the whole run: read the event, parse it, load the handler, run it. */
  maxRssMB: number;
  /** Peak RSS of a process that only reads and parses the same event, for comparison. */
  baselineMaxRssMB: number;
  records: number;
  eventBytes: number;
  delivered: number | null;
  batchItemFailures: number | null;
  ms: number | null;
}

/**
 * Peak RSS of one SQS batch at Lambda's payload limit through the packaged route-sqs handler, in a fresh process,
 * with the dry-run sink (BRIDGE_PUBLISH=dry-run: messages are written to the child's stdout, which is discarded).
 */
export async function peakRss(
  handlerFile: string,
  eventFile: string,
  routesFile: string,
): Promise<Omit<RssResult, 'records' | 'eventBytes'>> {
  const script = path.join(__dirname, 'rss-child.cjs');
  const env = lambdaEnv({ ROUTES_FILE: routesFile, BRIDGE_PUBLISH: 'dry-run', PARKING_TOPIC: 'bench-parking' });
  const linesFile = `${eventFile}.published.ndjson`;
  const handler = JSON.parse(await runChild(script, ['handler', eventFile, handlerFile], env, linesFile));
  const baseline = JSON.parse(await runChild(script, ['baseline', eventFile], env));
  const published = readFileSync(linesFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"topicArn"')).length;
  return {
    maxRssMB: handler.maxRssKB / 1024,
    baselineMaxRssMB: baseline.maxRssKB / 1024,
    delivered: published,
    batchItemFailures: handler.batchItemFailures,
    ms: handler.ms,
  };
}
