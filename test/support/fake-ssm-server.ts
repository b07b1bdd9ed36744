/**
 * A local SSM Parameter Store on 127.0.0.1 for the parts of it the bridge calls: GetParameter, over the real
 * AWS JSON 1.1 protocol (POST /, `X-Amz-Target: AmazonSSM.GetParameter`, `Content-Type: application/x-amz-json-1.1`),
 * with SSM's own error codes (`ParameterNotFound`, `AccessDeniedException`, `ValidationException`,
 * `UnknownOperationException`, `MissingAuthenticationTokenException`) in the `__type` of a JSON error body. Like
 * SSM, a SecureString read without WithDecryption answers its ciphertext, not its value. Never more lenient than
 * AWS: unsigned requests, unknown targets and malformed names are refused.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeParameter {
  value: string;
  type: 'String' | 'StringList' | 'SecureString';
}

export interface FakeSsm {
  endpoint: string;
  /** Parameters by name (a leading slash is part of the name, as in SSM). */
  parameters: Map<string, FakeParameter>;
  /** Names whose reads are refused with AccessDeniedException (a role without ssm:GetParameter on them). */
  denied: Set<string>;
  /** Every GetParameter request body, in order. */
  requests: Array<{ target: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

// SSM parameter names: letters, digits and _.-/ (a path), at most 2048 characters; or the parameter's ARN.
const NAME = /^(?:arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/)?[A-Za-z0-9_./-]{1,2048}$/;

function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers).end(JSON.stringify(body));
}

function error(res: http.ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { __type: type, message }, type);
}

export async function startFakeSsm(region = 'us-east-1', account = '888888888888'): Promise<FakeSsm> {
  const parameters = new Map<string, FakeParameter>();
  const denied = new Set<string>();
  const requests: FakeSsm['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        error(res, 400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
        return;
      }
      if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')) {
        error(res, 400, 'SerializationException', 'expected a POST of application/x-amz-json-1.1');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        error(res, 400, 'SerializationException', 'Start of structure or map found where not expected.');
        return;
      }
      requests.push({ target, body });
      if (target !== 'AmazonSSM.GetParameter') {
        error(res, 400, 'UnknownOperationException', `Operation ${target} is not supported by this server`);
        return;
      }
      const name = body.Name;
      if (typeof name !== 'string' || !NAME.test(name)) {
        error(
          res,
          400,
          'ValidationException',
          `1 validation error detected: Value '${String(name)}' at 'name' failed to satisfy constraint`,
        );
        return;
      }
      const key = name.startsWith('arn:') ? name.slice(name.indexOf(':parameter') + ':parameter'.length) : name;
      if (denied.has(key)) {
        error(
          res,
          400,
          'AccessDeniedException',
          `User: arn:aws:sts::${account}:assumed-role/bridge/fn is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${region}:${account}:parameter${key.startsWith('/') ? '' : '/'}${key}`,
        );
        return;
      }
      const parameter = parameters.get(key);
      if (parameter === undefined) {
        error(res, 400, 'ParameterNotFound', '');
        return;
      }
      const decrypt = body.WithDecryption === true;
      const value =
        parameter.type === 'SecureString' && !decrypt
          ? Buffer.from(`kms-ciphertext:${parameter.value}`).toString('base64')
          : parameter.value;
      send(res, 200, {
        Parameter: {
          Name: key,
          Type: parameter.type,
          Value: value,
          Version: 1,
          LastModifiedDate: 1767225600,
          ARN: `arn:aws:ssm:${region}:${account}:parameter${key.startsWith('/') ? '' : '/'}${key}`,
          DataType: 'text',
        },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    parameters,
    denied,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
