/**
 * Invokes a packaged function as Lambda would: its zip unzipped as the task root, its bundled handler run in a child
 * process with exactly the template's environment plus what the Lambda runtime sets, and a Lambda context. SDK
 * calls go to the local test servers through recording proxies, which note each call's IAM action and resource so
 * tests can check them against the function's compiled role.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEPLOY, type DeployedFunction, type IamStatement, tempDir, unzip } from '#test/support/deployed';

const RUNNER = path.join(__dirname, 'deployed-runner.cjs');

// ---------------------------------------------------------------------------------------------------------------
// Recording proxies.

export interface RecordedCall {
  /** The IAM action the call needs, e.g. sns:Publish (PublishBatch needs sns:Publish too). */
  action: string;
  /** The ARNs it acts on ("*" where the action has no resource type). */
  resources: string[];
}

type Service = 'sns' | 'ses' | 'sesv2' | 'sts' | 'dynamodb';

function identityArn(region: string, identity: string): string {
  return identity.startsWith('arn:') ? identity : `arn:aws:ses:${region}:${DEPLOY.account}:identity/${identity}`;
}

function configurationSetArn(region: string, name: string): string {
  return `arn:aws:ses:${region}:${DEPLOY.account}:configuration-set/${name}`;
}

/**
 * The IAM action and resources of an awsQuery (SNS, SES v1), SESv2 REST or DynamoDB JSON 1.0 request (whose
 * operation is in its X-Amz-Target header, `target`).
 */
export function describeCall(
  service: Service,
  method: string,
  url: string,
  body: string,
  auth: string,
  target = '',
): RecordedCall {
  const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(auth)?.[1] ?? DEPLOY.region;
  if (service === 'dynamodb') {
    const table = JSON.parse(body || '{}').TableName;
    return {
      action: `dynamodb:${target.slice(target.indexOf('.') + 1)}`,
      resources: [`arn:aws:dynamodb:${region}:${DEPLOY.account}:table/${table}`],
    };
  }
  if (service === 'sns') {
    const form = new URLSearchParams(body);
    const action = form.get('Action') ?? '';
    const topic = form.get('TopicArn');
    return { action: `sns:${action === 'PublishBatch' ? 'Publish' : action}`, resources: topic ? [topic] : ['*'] };
  }
  if (service === 'sts') return { action: `sts:${new URLSearchParams(body).get('Action')}`, resources: ['*'] };
  if (service === 'ses') {
    const form = new URLSearchParams(body);
    const identities = [...form.entries()]
      .filter(([k]) => k === 'Identity' || /^Identities\.member\.\d+$/.test(k))
      .map(([, v]) => identityArn(region, v));
    return { action: `ses:${form.get('Action')}`, resources: identities.length ? identities : ['*'] };
  }
  const parts = new URL(url, 'http://x').pathname.split('/').slice(3).map(decodeURIComponent);
  const [collection, name, sub, dest] = parts;
  if (collection === 'identities' && name !== undefined)
    return {
      action: sub === 'policies' ? 'ses:GetEmailIdentityPolicies' : 'ses:GetEmailIdentity',
      resources: [identityArn(region, name)],
    };
  if (collection === 'configuration-sets') {
    if (name === undefined) {
      if (method === 'GET') return { action: 'ses:ListConfigurationSets', resources: ['*'] };
      const created = JSON.parse(body || '{}').ConfigurationSetName;
      return { action: 'ses:CreateConfigurationSet', resources: [configurationSetArn(region, created)] };
    }
    const resources = [configurationSetArn(region, name)];
    if (sub === undefined)
      return { action: method === 'DELETE' ? 'ses:DeleteConfigurationSet' : 'ses:GetConfigurationSet', resources };
    const verb =
      dest === undefined
        ? method === 'GET'
          ? 'GetConfigurationSetEventDestinations'
          : 'CreateConfigurationSetEventDestination'
        : method === 'PUT'
          ? 'UpdateConfigurationSetEventDestination'
          : 'DeleteConfigurationSetEventDestination';
    return { action: `ses:${verb}`, resources };
  }
  return { action: `ses:${method} ${parts.join('/')}`, resources: ['*'] };
}

export interface Recorder {
  calls: RecordedCall[];
  /** A URL that forwards to `target`, recording each request as `service` sees it. */
  proxy(service: Service, target: string): Promise<string>;
  close(): Promise<void>;
}

export function startRecorder(): Recorder {
  const servers: http.Server[] = [];
  const calls: RecordedCall[] = [];
  return {
    calls,
    async proxy(service, target) {
      const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          calls.push(
            describeCall(
              service,
              req.method ?? 'GET',
              req.url ?? '/',
              body.toString(),
              req.headers.authorization ?? '',
              String(req.headers['x-amz-target'] ?? ''),
            ),
          );
          const forward = http.request(
            new URL(req.url ?? '/', target),
            { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
          );
          forward.on('error', () => res.destroy());
          forward.end(body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Invocation.

export interface Invocation {
  result?: any;
  error?: { errorType: string; errorMessage: string };
  /** The function's log output (stdout and stderr), one entry per line. */
  logs: string[];
  requestId: string;
}

export interface InvokeOptions {
  endpoints: Partial<Record<Service, string>>;
  /** SigningCertURL -> PEM, answered in place of SNS's certificate host. */
  certificates?: Record<string, string>;
  /** The role's credentials as the local servers know them (the SES test server tells accounts apart by key). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const taskRoots = new Map<string, string>();

/** Forgets the unzipped task roots (their folders go with removeTempDirs). */
export function forgetTaskRoots(): void {
  taskRoots.clear();
}

/** The environment Lambda gives the function: the template's variables plus the runtime's own. */
export function lambdaEnvironment(fn: DeployedFunction, taskRoot: string, options: InvokeOptions): NodeJS.ProcessEnv {
  const endpoints: Record<string, string> = {};
  if (options.endpoints.sns) endpoints.AWS_ENDPOINT_URL_SNS = options.endpoints.sns;
  if (options.endpoints.ses) endpoints.AWS_ENDPOINT_URL_SES = options.endpoints.ses;
  if (options.endpoints.sesv2) endpoints.AWS_ENDPOINT_URL_SESV2 = options.endpoints.sesv2;
  if (options.endpoints.sts) endpoints.AWS_ENDPOINT_URL_STS = options.endpoints.sts;
  if (options.endpoints.dynamodb) endpoints.AWS_ENDPOINT_URL_DYNAMODB = options.endpoints.dynamodb;
  const credentials = options.credentials && {
    AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
  };
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_REGION: DEPLOY.region,
    AWS_DEFAULT_REGION: DEPLOY.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    // The role's temporary credentials, as Lambda sets them (the local servers do not check them).
    AWS_ACCESS_KEY_ID: 'ASIALOCALTESTROLE000',
    AWS_SECRET_ACCESS_KEY: 'local-test-role-secret',
    AWS_SESSION_TOKEN: 'local-test-role-session',
    ...credentials,
    ...fn.environment,
    ...endpoints,
  };
}

/** Runs the function's bundled handler on one event, in a child process bounded by the function's timeout. */
export async function invokeDeployed(
  fn: DeployedFunction,
  event: unknown,
  options: InvokeOptions,
): Promise<Invocation> {
  let taskRoot = taskRoots.get(fn.zip);
  if (taskRoot === undefined) {
    taskRoot = unzip(fn.zip);
    taskRoots.set(fn.zip, taskRoot);
  }
  const work = tempDir('invoke-');
  const requestId = randomUUID();
  const spec = {
    handler: fn.handler,
    event,
    timeoutMs: fn.timeoutSeconds * 1000,
    resultFile: path.join(work, 'result.json'),
    certificates: options.certificates ?? {},
    context: {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    },
  };
  const specFile = path.join(work, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [RUNNER, specFile],
      {
        cwd: taskRoot,
        env: lambdaEnvironment(fn, taskRoot, options),
        timeout: fn.timeoutSeconds * 1000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, out, errOut) =>
        err
          ? reject(new Error(`${fn.key} did not finish: ${err.message}\n${errOut}`))
          : resolve({ stdout: out, stderr: errOut }),
    );
  });
  const outcome = JSON.parse(readFileSync(spec.resultFile, 'utf8'));
  rmSync(work, { recursive: true, force: true });
  return { ...outcome, logs: `${stdout}${stderr}`.split('\n').filter(Boolean), requestId };
}

// ---------------------------------------------------------------------------------------------------------------
// IAM: does a role allow a call? (Allow statements only: the roles have no Deny; conditions are not evaluated.)

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

/** The statements of `statements` that allow `action` on `resource`. */
export function allowingStatements(statements: IamStatement[], action: string, resource: string): IamStatement[] {
  return statements.filter(
    (s) =>
      s.Effect === 'Allow' &&
      [s.Action].flat().some((a) => glob(a, action, true)) &&
      [s.Resource].flat().some((r) => glob(r, resource, false)),
  );
}

/** Calls the role does not allow, as "action on resource" lines (empty: every call was allowed). */
/** Actions IAM does not check: "No permissions are required to perform this operation" (STS API reference). */
const NEEDS_NO_PERMISSION = new Set(['sts:GetCallerIdentity']);

export function deniedCalls(statements: IamStatement[], calls: RecordedCall[]): string[] {
  const denied: string[] = [];
  for (const call of calls)
    if (!NEEDS_NO_PERMISSION.has(call.action))
      for (const resource of call.resources)
        if (allowingStatements(statements, call.action, resource).length === 0)
          denied.push(`${call.action} on ${resource}`);
  return [...new Set(denied)];
}

/** Actions the role grants that no recorded call used (lower-cased IAM action names, wildcards as written). */
export function unusedActions(statements: IamStatement[], calls: RecordedCall[]): string[] {
  const granted = new Set(
    statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat().map((a) => a.toLowerCase())),
  );
  for (const call of calls) for (const action of granted) if (glob(action, call.action, true)) granted.delete(action);
  return [...granted].sort();
}
