/**
 * SNS signing certificates: which URLs may be fetched, how they are fetched, and a small bounded cache.
 *
 * Docs (sns-verify-signature-of-message): "Always use HTTPS when getting the certificate from Amazon SNS",
 * "Validate the authenticity of the certificate", "Verify the certificate was received from Amazon SNS".
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { type Agent, get as httpsGet } from 'node:https';
import { parseSnsTopicArn } from '#lib/arn';
import { BridgeError, describeError, ErrorCode } from '#lib/errors';

// Only SNS's own certificate files: https, no port, no user info, no query, one path segment of letters and
// digits. The path pin also keeps the fetch away from SNS's query API on the same host (a GET such as
// "/?Action=ConfirmSubscription&..." is an API call), so a forged SigningCertURL cannot make us call it.
const CERT_URL_PATTERN =
  /^https:\/\/sns\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(\.cn)?\/SimpleNotificationService-[A-Za-z0-9]{1,64}\.pem$/;

/** The result of checking a SigningCertURL: where it may be fetched from, or why it may not. */
export type CertUrlCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks a SigningCertURL against the pin `https://sns.<region>.amazonaws.com[.cn]/SimpleNotificationService-*.pem`
 * and, when `topicArn` is given, that the region (and China partition) match the topic's: SNS signs with the
 * certificate of the topic's own region, so a URL for another region is not one SNS would send.
 */
export function checkCertUrl(url: string, topicArn?: string): CertUrlCheck {
  const shown = url.length > 200 ? `${url.slice(0, 200)}...` : url;
  if (!url.startsWith('https://')) return { ok: false, reason: `SigningCertURL ${shown} is not an https URL` };
  const m = CERT_URL_PATTERN.exec(url);
  if (m === null) {
    const host = /^https:\/\/([^/?#]*)/.exec(url)?.[1] ?? '';
    if (!/^sns\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/.test(host)) {
      return {
        ok: false,
        reason: `SigningCertURL host "${host.slice(0, 100)}" is not an SNS host (sns.<region>.amazonaws.com)`,
      };
    }
    return {
      ok: false,
      reason: `SigningCertURL ${shown} is not an SNS certificate path (/SimpleNotificationService-*.pem)`,
    };
  }
  if (topicArn !== undefined) {
    const topic = parseSnsTopicArn(topicArn);
    const china = m[2] !== undefined;
    if (topic === null || topic.region !== m[1] || (topic.partition === 'aws-cn') !== china) {
      return { ok: false, reason: `SigningCertURL ${shown} is not in the region of topic ${topicArn}` };
    }
  }
  return { ok: true };
}

/** Fetches the PEM text at a (pinned) certificate URL. Injectable: tests serve their own certificates. */
export type CertFetcher = (url: string) => Promise<string>;

/** A certificate could not be obtained. `transient` failures (network, timeout, 5xx) may succeed on retry. */
export class CertFetchError extends BridgeError {
  override readonly name = 'CertFetchError';
  readonly code = ErrorCode.certUnavailable;
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SNS certificates are about 2 KB of PEM; anything much larger is not one. */
const MAX_CERT_BYTES = 64 * 1024;

export interface CertFetcherOptions {
  /** Deadline for the whole fetch (connect, TLS, status, body), in milliseconds. */
  timeoutMs?: number;
  /** TLS agent; tests pass one that trusts their local server. Production uses Node's CA store. */
  agent?: Agent;
}

/**
 * The production fetcher: one HTTPS GET with an overall deadline, no redirects (node:https never follows them and a
 * 3xx is refused), a 200 status and a size cap. TLS verification uses Node's CA store, so the body really comes
 * from the pinned amazonaws.com host.
 */
export function httpsCertFetcher({ timeoutMs = 3000, agent }: CertFetcherOptions = {}): CertFetcher {
  return (url) =>
    new Promise<string>((resolve, reject) => {
      const options = {
        headers: { accept: 'application/x-pem-file, */*' },
        signal: AbortSignal.timeout(timeoutMs),
        ...(agent ? { agent } : {}),
      };
      const req = httpsGet(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          // 4xx: the certificate does not exist (a made-up URL). 3xx is never followed. 5xx may pass.
          reject(new CertFetchError(`fetching ${url} answered HTTP ${status}`, status >= 500));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CERT_BYTES) {
            req.destroy();
            reject(new CertFetchError(`${url} is larger than ${MAX_CERT_BYTES} bytes: not a certificate`, false));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) =>
          reject(new CertFetchError(`fetching ${url} failed: ${err.message}`, true, { cause: err })),
        );
      });
      req.on('error', (err) => {
        const timedOut = err.name === 'AbortError' || err.name === 'TimeoutError';
        reject(
          new CertFetchError(
            timedOut ? `fetching ${url} timed out after ${timeoutMs} ms` : `fetching ${url} failed: ${err.message}`,
            true,
            { cause: err },
          ),
        );
      });
    });
}

/** A certificate's public key and validity period, parsed once. */
export interface SigningKey {
  key: KeyObject;
  validFrom: number;
  validTo: number;
  /** False for certificates supplied by the operator (CLI --cert): their dates are not checked. */
  checkDates: boolean;
}

/** Parses a PEM certificate; throws CertFetchError when it is not an X.509 certificate with an RSA key. */
export function signingKeyFromPem(pem: string, url: string, checkDates: boolean): SigningKey {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch (err) {
    throw new CertFetchError(`${url} is not a PEM X.509 certificate`, false, { cause: err });
  }
  const key = cert.publicKey;
  // SignatureVersion 1 and 2 are SHA1withRSA and SHA256withRSA: only an RSA key can have made them.
  if (key.asymmetricKeyType !== 'rsa') throw new CertFetchError(`${url} does not hold an RSA key`, false);
  return { key, validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo), checkDates };
}

export interface CertificateStoreOptions {
  /** Certificates kept (least recently used goes first). */
  maxEntries?: number;
  /** How long a failed fetch is answered from memory, in milliseconds, before that URL is fetched again. */
  failureTtlMs?: number;
  /** Fetches started per rolling minute at most; past it, a new URL fails as retryable without a fetch. */
  maxFetchesPerMinute?: number;
  /** Clock in milliseconds (tests fix it). */
  now?: () => number;
}

/** Defaults: SNS signs with one certificate per region at a time (a new one every few months). */
export const CERT_STORE_DEFAULTS = { maxEntries: 20, failureTtlMs: 60_000, maxFetchesPerMinute: 10 } as const;

const MINUTE_MS = 60_000;
const MAX_FAILURES_KEPT = 100;

/**
 * Gets signing keys by certificate URL: cached, bounded (least recently used goes first), concurrent requests for
 * one URL share one fetch. Only URLs that passed checkCertUrl reach it, and only for posts whose topic, shape and
 * Timestamp already passed. A failed fetch is remembered for `failureTtlMs`, and at most `maxFetchesPerMinute`
 * fetches start per rolling minute: a flood of posts naming made-up certificate files (each a valid SNS URL shape)
 * cannot turn the function into a stream of outbound requests. Past the limit the post is answered 503
 * `cert_unavailable`, which SNS retries: a genuine post naming a new certificate is delayed, and lost only if the
 * flood outlasts the subscription's delivery policy (docs/sns-https.md, residual risks).
 */
export class CertificateStore {
  private readonly cache = new Map<string, SigningKey>();
  private readonly pending = new Map<string, Promise<SigningKey>>();
  private readonly failures = new Map<string, { error: CertFetchError; until: number }>();
  private readonly fetchTimes: number[] = [];
  readonly maxEntries: number;
  private readonly failureTtlMs: number;
  private readonly maxFetchesPerMinute: number;
  private readonly now: () => number;

  constructor(
    private readonly fetcher: CertFetcher,
    options: CertificateStoreOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? CERT_STORE_DEFAULTS.maxEntries;
    this.failureTtlMs = options.failureTtlMs ?? CERT_STORE_DEFAULTS.failureTtlMs;
    this.maxFetchesPerMinute = options.maxFetchesPerMinute ?? CERT_STORE_DEFAULTS.maxFetchesPerMinute;
    this.now = options.now ?? Date.now;
  }

  /** Seeds a certificate (tests, CLI --cert, local invoke with the test certificate). */
  add(url: string, pem: string, checkDates = true): void {
    this.remember(url, signingKeyFromPem(pem, url, checkDates));
  }

  /** True when a certificate for the URL is cached (seeded or fetched). */
  has(url: string): boolean {
    return this.cache.has(url);
  }

  /** Number of cached certificates (never more than maxEntries). */
  get size(): number {
    return this.cache.size;
  }

  /** The signing key for a certificate URL, fetched on first use. */
  async get(url: string): Promise<SigningKey> {
    const hit = this.cache.get(url);
    if (hit !== undefined) {
      this.cache.delete(url);
      this.cache.set(url, hit);
      return hit;
    }
    let inflight = this.pending.get(url);
    if (inflight === undefined) {
      const now = this.now();
      const failed = this.failures.get(url);
      if (failed !== undefined && failed.until > now) throw failed.error;
      this.failures.delete(url);
      this.startFetch(now);
      inflight = this.fetcher(url)
        .then((pem) => {
          const key = signingKeyFromPem(pem, url, true);
          this.remember(url, key);
          return key;
        })
        .catch((err: unknown) => {
          const error =
            err instanceof CertFetchError
              ? err
              : new CertFetchError(`fetching ${url} failed: ${describeError(err)}`, true, { cause: err });
          this.rememberFailure(url, error);
          throw error;
        })
        .finally(() => this.pending.delete(url));
      this.pending.set(url, inflight);
    }
    return inflight;
  }

  /** Counts a fetch in the rolling minute, or throws (retryable) when the minute's budget is spent. */
  private startFetch(now: number): void {
    while (this.fetchTimes.length > 0 && (this.fetchTimes[0] as number) <= now - MINUTE_MS) this.fetchTimes.shift();
    if (this.fetchTimes.length >= this.maxFetchesPerMinute) {
      throw new CertFetchError(
        `${this.maxFetchesPerMinute} certificate fetches were started in the last minute, the most this container makes; not fetched`,
        true,
      );
    }
    this.fetchTimes.push(now);
  }

  private rememberFailure(url: string, error: CertFetchError): void {
    if (this.failures.size >= MAX_FAILURES_KEPT) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(url, { error, until: this.now() + this.failureTtlMs });
  }

  private remember(url: string, key: SigningKey): void {
    this.cache.delete(url);
    this.cache.set(url, key);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}
