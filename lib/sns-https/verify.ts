/**
 * Verifying an SNS HTTP/S message: pinned certificate URL, SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA),
 * certificate validity dates, and the Timestamp window that stops old signed messages being replayed.
 *
 * Docs: sns-verify-signature-of-message.
 */
import { verify as cryptoVerify } from 'node:crypto';
import { CertFetchError, type CertificateStore, checkCertUrl, type SigningKey } from '#lib/sns-https/certs';
import { type SnsHttpMessage, stringToSign } from '#lib/sns-https/message';

/**
 * Hash of each signature version (sns-verify-signature-of-message: "1" is SHA1, "2" is SHA256; topics default
 * to 1).
 */
const HASH_BY_VERSION: Readonly<Record<string, string>> = { '1': 'sha1', '2': 'sha256' };

/** Outcome of a verification step; `transient` failures (certificate host unreachable) may pass on retry. */
export type VerifyResult =
  | { ok: true }
  | {
      ok: false;
      code: 'untrusted_cert_url' | 'bad_signature' | 'cert_unavailable' | 'stale_timestamp';
      reason: string;
    };

/**
 * Verifies the message's signature with the certificate at its SigningCertURL (pinned to SNS hosts in the topic's
 * region, fetched through `certs`). `now` (ms) checks the validity dates of fetched certificates.
 */
export async function verifySignature(
  msg: SnsHttpMessage,
  certs: CertificateStore,
  now: number,
): Promise<VerifyResult> {
  const hash = HASH_BY_VERSION[msg.SignatureVersion];
  if (hash === undefined) {
    return {
      ok: false,
      code: 'bad_signature',
      reason: `SignatureVersion "${msg.SignatureVersion}" is not supported (expected 1 or 2)`,
    };
  }
  const pin = checkCertUrl(msg.SigningCertURL, msg.TopicArn);
  if (!pin.ok) return { ok: false, code: 'untrusted_cert_url', reason: pin.reason };

  let signingKey: SigningKey;
  try {
    signingKey = await certs.get(msg.SigningCertURL);
  } catch (err) {
    const transient = !(err instanceof CertFetchError) || err.transient;
    const detail = err instanceof Error ? err.message : String(err);
    return transient
      ? { ok: false, code: 'cert_unavailable', reason: `the signing certificate could not be fetched: ${detail}` }
      : { ok: false, code: 'untrusted_cert_url', reason: `the signing certificate is not usable: ${detail}` };
  }
  if (signingKey.checkDates && (now < signingKey.validFrom || now > signingKey.validTo)) {
    return {
      ok: false,
      code: 'untrusted_cert_url',
      reason: `the signing certificate at ${msg.SigningCertURL} is outside its validity period`,
    };
  }

  const signature = Buffer.from(msg.Signature, 'base64');
  let valid = false;
  try {
    valid = cryptoVerify(hash, Buffer.from(stringToSign(msg), 'utf8'), signingKey.key, signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    return {
      ok: false,
      code: 'bad_signature',
      reason: `the SignatureVersion ${msg.SignatureVersion} signature does not match the message`,
    };
  }
  return { ok: true };
}

/**
 * Replay protection: the signed Timestamp must be at most `maxAgeSeconds` old, and at most `maxFutureSkewSeconds`
 * ahead (clock skew; a message from further ahead would stay replayable for longer than the window). A valid
 * signature alone would let anyone post an old message again.
 */
export function checkTimestamp(
  msg: Pick<SnsHttpMessage, 'Timestamp'>,
  now: number,
  maxAgeSeconds: number,
  maxFutureSkewSeconds: number,
): VerifyResult {
  const sent = Date.parse(msg.Timestamp);
  const ageSeconds = Math.floor((now - sent) / 1000);
  if (ageSeconds > maxAgeSeconds) {
    return {
      ok: false,
      code: 'stale_timestamp',
      reason: `Timestamp ${msg.Timestamp} is ${ageSeconds} s old, more than the ${maxAgeSeconds} s allowed`,
    };
  }
  const aheadSeconds = Math.floor((sent - now) / 1000);
  if (aheadSeconds > maxFutureSkewSeconds) {
    return {
      ok: false,
      code: 'stale_timestamp',
      reason: `Timestamp ${msg.Timestamp} is ${aheadSeconds} s in the future, more than the ${maxFutureSkewSeconds} s of clock skew allowed`,
    };
  }
  return { ok: true };
}
