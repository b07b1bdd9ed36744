/**
 * The intake's signature and clock policy settings: SNS_HTTPS_SIGNATURE_VERSIONS and
 * SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS, with their defaults and the exact errors for bad values.
 */
import { describe, expect, it } from 'vitest';
import { loadSnsHttpsConfig } from '#lib/sns-https/config';

const TOPIC = 'arn:aws:sns:us-east-1:888888888888:ses-feedback-intake';
const load = (env: Record<string, string>) => loadSnsHttpsConfig({ SNS_HTTPS_ALLOWED_TOPIC_ARNS: TOPIC, ...env });

describe('the signature version setting', () => {
  it('accepts SignatureVersion 1 and 2 by default, since topics sign with 1 unless set otherwise', () => {
    expect([...load({}).signatureVersions].sort()).toEqual(['1', '2']);
  });

  it('accepts only SignatureVersion 2 when set to "2"', () => {
    expect([...load({ SNS_HTTPS_SIGNATURE_VERSIONS: ' 2 ' }).signatureVersions]).toEqual(['2']);
  });

  it.each(['1', '3', '1,3', 'sha256', ','])('refuses "%s", naming the two values it takes', (value) => {
    expect(() => load({ SNS_HTTPS_SIGNATURE_VERSIONS: value })).toThrow(
      `SNS_HTTPS_SIGNATURE_VERSIONS: must be "1,2" (SHA1 and SHA256 signatures) or "2" (SHA256 only: set each topic's SignatureVersion attribute to 2 first), got "${value}"`,
    );
  });
});

describe('the future clock skew setting', () => {
  it('allows 300 s by default, apart from the one-hour age window', () => {
    expect(load({})).toMatchObject({ maxFutureSkewSeconds: 300, maxAgeSeconds: 3600 });
  });

  it('takes 0 (no Timestamp ahead of this clock at all)', () => {
    expect(load({ SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS: '0' }).maxFutureSkewSeconds).toBe(0);
  });

  it.each(['-1', '5m', '1.5'])('refuses "%s"', (value) => {
    expect(() => load({ SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS: value })).toThrow(
      `SNS_HTTPS_MAX_FUTURE_SKEW_SECONDS: must be a whole number of seconds of at least 0, got "${value}"`,
    );
  });
});
