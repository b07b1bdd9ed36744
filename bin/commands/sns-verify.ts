import { describeError, UsageError } from '#lib/errors';
import { isObject } from '#lib/json';
import { CertFetchError, CertificateStore, checkCertUrl, httpsCertFetcher } from '#lib/sns-https/certs';
import { MalformedMessageError, parseSnsHttpBody } from '#lib/sns-https/message';
import { checkTimestamp, verifySignature } from '#lib/sns-https/verify';
import { type Command, ExitCode, type Io, parseCommandArgs } from '../cli';

const usage = `Usage: ses-bridge sns-verify [--cert URL=PEMFILE ...] [--max-age SECONDS] [--fetch] FILE ...

Verifies SNS HTTP/S message bodies (Notification, SubscriptionConfirmation, UnsubscribeConfirmation) offline, with
the checks of the sns-https endpoint: body shape, SigningCertURL pinned to
https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-*.pem in the topic's region, and the
SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA) signature. Each FILE holds one SNS HTTP body, or a
function URL / HTTP API event whose body is one (events/sns-https/*.json); '-' reads standard input.
The topic allowlist and the x-amz-sns-* headers are the endpoint's checks, not this command's.

Options:
  --cert URL=PEMFILE  use the certificate in PEMFILE for messages whose SigningCertURL is URL (repeatable).
                      Its validity dates are not checked: captured certificates expire.
  --max-age SECONDS   also require each Timestamp to be at most SECONDS old (or ahead); off by default, since
                      captured messages are old.
  --fetch             fetch certificates not given with --cert from SNS (HTTPS, 3 s deadline, no redirects);
                      off by default: nothing leaves the machine.
  -h, --help          show this help

Output: one JSON line per FILE on stdout, {"file","valid":true|false,"reason"}.
Exit status: 0 every file valid, 1 some file invalid or unreadable, 2 usage error (bad option, unreadable
  certificate).
`;

interface Options {
  certs: CertificateStore;
  maxAgeSeconds: number | null;
  fetch: boolean;
}

function parseCertOption(value: string, io: Io, certs: CertificateStore): void {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--cert takes URL=PEMFILE, got "${value}"`);
  const url = value.slice(0, eq);
  const file = value.slice(eq + 1);
  const pin = checkCertUrl(url);
  if (!pin.ok) throw new UsageError(`--cert ${url}: ${pin.reason}`);
  let pem: string;
  try {
    pem = io.readInput(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(err);
    throw new UsageError(`--cert ${url}: cannot read ${file}: ${reason}`, { cause: err });
  }
  try {
    // Supplied by the operator: no date check (captured test certificates and old SNS certificates have expired).
    certs.add(url, pem, false);
  } catch (err) {
    throw new UsageError(`--cert ${url}: ${file}: ${describeError(err)}`, { cause: err });
  }
}

/** The SNS body inside a file: the file itself, or the `body` of a function URL / HTTP API event. */
function bodyText(text: string): string {
  try {
    const doc: unknown = JSON.parse(text);
    if (isObject(doc) && isObject(doc.requestContext) && typeof doc.body === 'string') {
      return doc.isBase64Encoded === true ? Buffer.from(doc.body, 'base64').toString('utf8') : doc.body;
    }
  } catch {
    // Not JSON: parseSnsHttpBody says so.
  }
  return text;
}

async function verifyText(text: string, opts: Options, now: number): Promise<{ valid: boolean; reason: string }> {
  let msg: ReturnType<typeof parseSnsHttpBody>;
  try {
    msg = parseSnsHttpBody(bodyText(text));
  } catch (err) {
    if (err instanceof MalformedMessageError) return { valid: false, reason: err.message };
    throw err;
  }
  const pin = checkCertUrl(msg.SigningCertURL, msg.TopicArn);
  if (!pin.ok) return { valid: false, reason: pin.reason };
  if (!opts.fetch && !opts.certs.has(msg.SigningCertURL)) {
    return {
      valid: false,
      reason: `no certificate supplied for ${msg.SigningCertURL} (pass --cert ${msg.SigningCertURL}=PEMFILE, or --fetch)`,
    };
  }
  const signature = await verifySignature(msg, opts.certs, now);
  if (!signature.ok) return { valid: false, reason: signature.reason };
  if (opts.maxAgeSeconds !== null) {
    const fresh = checkTimestamp(msg, now, opts.maxAgeSeconds, opts.maxAgeSeconds);
    if (!fresh.ok) return { valid: false, reason: fresh.reason };
  }
  return {
    valid: true,
    reason: `${msg.Type} from ${msg.TopicArn} signed with SignatureVersion ${msg.SignatureVersion}`,
  };
}

async function verifyFile(
  file: string,
  io: Io,
  opts: Options,
  now: number,
): Promise<{ valid: boolean; reason: string }> {
  let text: string;
  try {
    text = io.readInput(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeError(err);
    return { valid: false, reason: `cannot read ${file}: ${reason}` };
  }
  return verifyText(text, opts, now);
}

export const command: Command = {
  name: 'sns-verify',
  summary: 'verify the signatures of SNS HTTP/S message bodies offline',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      cert: { type: 'string', multiple: true },
      'max-age': { type: 'string' },
      fetch: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('give at least one FILE (or - for standard input)');
    let maxAgeSeconds: number | null = null;
    if (values['max-age'] !== undefined) {
      if (!/^\d{1,10}$/.test(values['max-age']) || Number(values['max-age']) < 1) {
        throw new UsageError(`--max-age takes a whole number of seconds of at least 1, got "${values['max-age']}"`);
      }
      maxAgeSeconds = Number(values['max-age']);
    }
    const certOptions = values.cert ?? [];
    const fetch = values.fetch === true;
    const offline = async (url: string): Promise<string> => {
      throw new CertFetchError(`no certificate supplied for ${url}`, false);
    };
    const certs = new CertificateStore(fetch ? httpsCertFetcher() : offline, {
      maxEntries: certOptions.length + 20,
    });
    for (const value of certOptions) parseCertOption(value, io, certs);
    const opts: Options = { certs, maxAgeSeconds, fetch };

    let allValid = true;
    const now = Date.now();
    for (const file of positionals) {
      const result = await verifyFile(file, io, opts, now);
      if (!result.valid) allValid = false;
      io.stdout(`${JSON.stringify({ file, valid: result.valid, reason: result.reason })}\n`);
    }
    return allValid ? ExitCode.ok : ExitCode.rejected;
  },
};
