/**
 * TEST ONLY. The public half of the committed test signing key (test/fixtures/sns-https/sns-test.cert.pem), and
 * the certificate URL the sample events under events/sns-https/ name. The handler trusts it only when
 * SNS_HTTPS_TRUST_TEST_CERT=true under `serverless invoke local` (IS_LOCAL=true); config.ts refuses it elsewhere.
 * Embedded rather than read from disk so invoke local finds it wherever the bundle runs.
 */

/** The (pinned-pattern) URL the signed samples give as SigningCertURL. */
export const TEST_CERT_URL =
  'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-TESTONLY000000000000000000000000.pem';

/** test/fixtures/sns-https/sns-test.cert.pem (test/unit/sns-https/samples.test.ts keeps the two equal). */
export const TEST_CERT_PEM = `
-----BEGIN CERTIFICATE-----
MIIDFTCCAf0CEDHZj3aG+JeM9qBg131Fu+YwDQYJKoZIhvcNAQELBQAwSDEqMCgG
A1UECgwhc2VzLW5vdGlmaWNhdGlvbi1icmlkZ2UgVEVTVCBPTkxZMRowGAYDVQQD
DBFzbnMuYW1hem9uYXdzLmNvbTAgFw0wMDAxMDEwMDAwMDBaGA8yMDk5MTIzMTIz
NTk1OVowSDEqMCgGA1UECgwhc2VzLW5vdGlmaWNhdGlvbi1icmlkZ2UgVEVTVCBP
TkxZMRowGAYDVQQDDBFzbnMuYW1hem9uYXdzLmNvbTCCASIwDQYJKoZIhvcNAQEB
BQADggEPADCCAQoCggEBALA/d3t3CpkJbvFx+oa5dEETBYEVGdxZJOfJG2wTQdKx
YCOTrdAQXH6GzGORGINv4qQBJW80aqimd+HHggALat3mMrTvZepTx6qxNA7R3P+T
xXAWgdv6UckxNjBt9TPqzX9J+QtKHvtZWJv8l2UoSwnMVMd/wmYhfSDJlrO9UVw5
eBX7Ib+T6GGUc1qQ1FFZ6ZGaQqOppkbc0z/m9EeEZX4gj/jWL+Sm0RnUJh3CjbnQ
JSOaXt+PdDexWlfqzKEuRYOzb3098w5BSZ5Cg7KWt4wAqVwALxQK4H9mg0CdnQJ1
7kc4DR9jGwCc1f3H4+h9iF8bFFdo5l4eYi51qlRkwisCAwEAATANBgkqhkiG9w0B
AQsFAAOCAQEAdomqf9L6G3CskiCy/K7Z6S3bDur3Cgd2KC2OPi0uNAR5YiVzKM5R
tFlhcj9ua/zAMQRUj9gx5rM/hVqon+UeunyAPFt7tvV9LTRkxOfcYM5ji243SUbi
3u3/rOP4vGlz9YWxTl2hyUg6SwFDLQFT/z55eBwczmRe4v0egdhwO8RfiA4uzBl1
kVSqdK5gFhMAK2iG6oqAF2aZ2/s+aRpHKNAvfFA8dUWWgrCG8fVub+PiqNGJ7wy9
3Wjrc83muLH1nkX2ee5/FyFHMwdzC64dsbjH/H2h6kNP+ZAf0LmZF6K9SxNGv4kS
RvtmdLgSzuaiTi0x5ixQZsZ+AV8ERkYXEA==
-----END CERTIFICATE-----
`.trimStart();
