/**
 * The stack as CloudFormation would deploy it, offline: `serverless package` (once per parameter set and test
 * run), then the compiled template with its intrinsic functions resolved for a fixed account, region and stage,
 * and each function's handler, environment, timeout, memory, role statements and zip.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { attributes, DEPLOY, TemplateResolver } from '#test/support/deployed-template';
import { REPO_ROOT } from '#test/support/fixtures';

const run = promisify(execFile);
const SERVERLESS = path.join(REPO_ROOT, 'node_modules/.bin/serverless');

export { DEPLOY, SERVICE, STACK, TemplateResolver } from '#test/support/deployed-template';

/** The environment of a developer machine with no AWS account: no credentials, no profile. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    ...extra,
  };
  for (const key of [
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_REGION',
    'VITEST',
    'POWERTOOLS_LOG_LEVEL',
  ])
    delete env[key];
  return env;
}

const LOCK = path.join(REPO_ROOT, '.serverless-lock');

/**
 * Runs `fn` while no other test process runs osls in this repository: serverless-esbuild builds in `.esbuild/` and
 * moves zips through `.serverless/`, shared by every run, and removes them when done.
 */
async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock older than any osls run is left over from a killed process.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Runs the osls CLI in the repository, one run at a time across test files, bounded (a handler module that throws
 * while loading hangs invoke local).
 */
export function serverless(args: string[], env: NodeJS.ProcessEnv = offlineEnv()) {
  return exclusive(() => run(SERVERLESS, args, { cwd: REPO_ROOT, env, timeout: 180_000, maxBuffer: 64 * 1024 * 1024 }));
}

export interface Packaged {
  dir: string;
  template: any;
  /** What `serverless package` wrote on stderr (warnings). */
  stderr: string;
}

const packaged = new Map<string, Promise<Packaged>>();

const tempDirs: string[] = [];

/** A new folder under the OS temp dir, removed by removeTempDirs. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the packages, task roots and invocation files of this test file (call it in afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  packaged.clear();
}

/** `serverless package --param k=v ...` into a fresh folder, once per parameter set in this test process. */
export function packageStack(params: Record<string, string> = {}): Promise<Packaged> {
  const key = JSON.stringify(params);
  let result = packaged.get(key);
  if (result === undefined) {
    result = (async () => {
      const dir = tempDir('ses-bridge-package-');
      const args = ['package', '--package', dir, '--stage', DEPLOY.stage, '--region', DEPLOY.region];
      for (const [name, value] of Object.entries(params)) args.push('--param', `${name}=${value}`);
      const { stderr } = await serverless(args);
      const template = JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
      return { dir, template, stderr };
    })();
    packaged.set(key, result);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Functions.

export interface IamStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

export interface DeployedFunction {
  /** The serverless.yml key: route-sqs, sns-https... */
  key: string;
  logicalId: string;
  name: string;
  arn: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  roleLogicalId: string;
  statements: IamStatement[];
  managedPolicies: string[];
  zip: string;
}

/** Each function of the packaged stack, with its role's statements, as deployed. */
export function deployedFunctions(pkg: Packaged): Map<string, DeployedFunction> {
  const resolver = new TemplateResolver(pkg.template);
  const functions = new Map<string, DeployedFunction>();
  for (const [logicalId, raw] of Object.entries<any>(pkg.template.Resources)) {
    if (raw.Type !== 'AWS::Lambda::Function') continue;
    const props = resolver.resolve(raw.Properties);
    const roleLogicalId = raw.Properties.Role['Fn::GetAtt']?.[0];
    if (typeof roleLogicalId !== 'string') throw new Error(`${logicalId}: role is not a role of the stack`);
    const role = resolver.resolve(pkg.template.Resources[roleLogicalId]).Properties;
    const statements = (role.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
    const key = path.basename(raw.Properties.Code.S3Key, '.zip');
    functions.set(key, {
      key,
      logicalId,
      name: props.FunctionName,
      arn: attributes(logicalId, raw).Arn as string,
      handler: props.Handler,
      runtime: props.Runtime,
      timeoutSeconds: props.Timeout,
      memoryMb: props.MemorySize,
      environment: props.Environment?.Variables ?? {},
      roleLogicalId,
      statements,
      managedPolicies: role.ManagedPolicyArns ?? [],
      zip: path.join(pkg.dir, `${key}.zip`),
    });
  }
  return functions;
}

// ---------------------------------------------------------------------------------------------------------------
// Zips (stored or deflated entries, as osls and serverless-esbuild write them).

/** Extracts a zip into a new folder (the function's /var/task) and returns the folder. */
export function unzip(zipFile: string): string {
  const data = readFileSync(zipFile);
  const root = tempDir(`${path.basename(zipFile, '.zip')}-task-`);
  const eocd = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${zipFile}: not a zip`);
  const count = data.readUInt16LE(eocd + 10);
  let offset = data.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = data.readUInt16LE(offset + 10);
    const size = data.readUInt32LE(offset + 20);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const local = data.readUInt32LE(offset + 42);
    const name = data.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const raw = data.subarray(start, start + size);
    const target = path.join(root, name);
    if (!target.startsWith(root + path.sep)) throw new Error(`${zipFile}: entry ${name} escapes the folder`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, method === 8 ? inflateRawSync(raw) : raw);
  }
  return root;
}
