/**
 * TEST ONLY. The public half of the committed test signing key (test/fixtures/sns-https/sns-test.cert.pem), and
 * the certificate URL the sample events under events/sns-https/ name. The handler trusts it only when
 * SNS_HTTPS_TRUST_TEST_CERT=true under `serverless invoke local` (IS_LOCAL=true); config.ts refuses it elsewhere.
 * Embedded rather than read from disk so invoke local finds it wherever the bundle runs.
 */

/** The (pinned-pattern) URL the signed samples give as SigningCertURL. */
export const TEST_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-TESTONLY000000000000000000000000.pem';

/** test/fixtures/sns-https/sns-test.cert.pem (test/unit/sns-https-samples.test.ts keeps the two equal). */
export const TEST_CERT_PEM = `
-----BEGIN CERTIFICATE-----
MIIDczCCAlugAwIBAgIUFiVEHvahNnp21WshUAcyz1c1/e8wDQYJKoZIhvcNAQEL
BQAwSDEqMCgGA1UECgwhc2VzLW5vdGlmaWNhdGlvbi1icmlkZ2UgVEVTVCBPTkxZ
MRowGAYDVQQDDBFzbnMuYW1hem9uYXdzLmNvbTAgFw0yNjExMjcwMzAyMzZaGA8y
MTI2MTEwMzAzMDIzNlowSDEqMCgGA1UECgwhc2VzLW5vdGlmaWNhdGlvbi1icmlk
Z2UgVEVTVCBPTkxZMRowGAYDVQQDDBFzbnMuYW1hem9uYXdzLmNvbTCCASIwDQYJ
KoZIhvcNAQEBBQADggEPADCCAQoCggEBAJ376ViTOTBBzSVhy9LRjYoNjyslX9iD
L3BoxTPgFykzM3lT6L/WLPQDQNn7lulk6b1Ayqmrhj+i/CeFin1DJ1cW6IUDzdym
h3heP9v9CLAvRfxPypl+X5OMUfw/y9BEQtrfzl8UvzCGwweAM8DeolxaUfjJXab4
15LneLDdiVDRD7NbXIEWo97zOKdq0fhHL1st5Oa93B5V6w6Set0IUfAcBmWlQePq
kXpDQZ+1MF4ah5z5VlkSTKkFDSguVcOIGlBjEYSIb8OlQg8tpyGNVWfkoZSTGgsF
/61j/bN6s4tkJieiWlSelzg6UwKX6DpQN/CXn4lBMWAbmB85zrkWDc8CAwEAAaNT
MFEwHQYDVR0OBBYEFMLm2NMydS5RgIqSrS1rNKyBdVXfMB8GA1UdIwQYMBaAFMLm
2NMydS5RgIqSrS1rNKyBdVXfMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQEL
BQADggEBAE6Rkr9neJDFm7ZQdQTLrOnZPaM70BcqUrhfqTIwD9cxfByvtuEOUdla
pXoJf48r+2QknjqfthedoD8Ao5peR0ffIVapG3L4xCRTRrvFEwDlxY6QkebgrzDA
4HiKR4GIq0B2iWCCzhJE/mzVOjEVKr8mMRT71c+Xf70Z85dQFcXlpD138auuIJe9
o/tnfqsHocIFS7dIQMESkGKoe4f8edqGtcNLD3/XY9bDAgDJVpd0rIjlMGkWhQuv
92QiWbEeFFZT7xBE6c4JdlsVshXcyIQdFZBx41ngZiLRKeRerp3dMpOyzDShJFCb
/ou7VIuoDgdpM5i6VacEvRNgD9IYsKM=
-----END CERTIFICATE-----
`.trimStart();
