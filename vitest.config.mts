import { defineConfig } from 'vitest/config';

// Unit tests that start a server or a child process belong to the integration tier, whatever their folder.
const UNIT_TESTS_WITH_SERVERS = ['test/unit/sns-https/verify.test.ts', 'test/unit/bench/sns-requests.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Quiet handlers: tests assert on results, not on log lines.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: UNIT_TESTS_WITH_SERVERS },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', ...UNIT_TESTS_WITH_SERVERS] },
      },
    ],
  },
});
