/**
 * The intake's one secret, the HTTP basic auth password, read from SSM Parameter Store: a SecureString, decrypted
 * with GetParameter WithDecryption, once per container (the handler keeps the dependencies it builds). The template
 * and the function's environment hold only the parameter's name; the role may read only that parameter.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, describeError } from '#lib/errors';
import { ENV } from '#lib/sns-https/config';

/**
 * The decrypted value of SecureString parameter `name`. Any failure is a ConfigError naming the variable to fix
 * (missing parameter, no permission, not a SecureString, empty): the invocation fails, Lambda's Errors metric sees
 * it, and the next invocation tries again.
 */
export async function readBasicAuthPassword(name: string, client: Pick<SSMClient, 'send'>): Promise<string> {
  let parameter: { Type?: string; Value?: string } | undefined;
  try {
    parameter = (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter;
  } catch (err) {
    const code = err instanceof Error ? err.name : 'Error';
    throw new ConfigError(
      `parameter "${name}" could not be read (${code}: ${describeError(err) || 'no message'}); check that it exists in this Region and that the function's role may ssm:GetParameter it and kms:Decrypt with its key`,
      ENV.basicAuthPasswordParameter,
    );
  }
  if (parameter?.Type !== 'SecureString') {
    throw new ConfigError(
      `parameter "${name}" is a ${parameter?.Type ?? 'parameter of no type'}, not a SecureString: store the password encrypted`,
      ENV.basicAuthPasswordParameter,
    );
  }
  if (!parameter.Value) throw new ConfigError(`parameter "${name}" is empty`, ENV.basicAuthPasswordParameter);
  return parameter.Value;
}
