/**
 * The handlers' runtime pointed at the SNS test server, for integration tests that drive the real handlers: a routes
 * file, the parking topic, every topic created on the server, SDK clients with short timeouts, and a publisher whose
 * retry policy is shrunk for tests (production defaults stay as they are: the test builds its own runtime and hands
 * it to `setRuntime`, the same hook the handlers' unit tests use).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { configureClients, resetClientSettings } from '#lib/aws-clients';
import { createSnsPublisher, type RetryPolicy } from '#lib/publish/sns';
import { createRuntime, setRuntime } from '#lib/runtime';
import { type FakeSns, startFakeSns } from '#test/support/fake-sns-server';

export interface BridgeHarnessOptions {
  /** The routes document (written to a temporary ROUTES_FILE). */
  routes: unknown;
  /** Topics to create on the server (the parking topic is created too). */
  topics: string[];
  parkingTopicArn: string;
  /** Seed of the server's fault injection. */
  seed?: number;
  retry?: Partial<RetryPolicy>;
  /** PublishBatch requests in flight at once (production: 8). 1 makes the fault pattern repeatable. */
  concurrency?: number;
  /** SDK request timeout: a slow answer past it is a timeout the publisher retries. */
  requestTimeoutMs?: number;
}

export interface BridgeHarness {
  fake: FakeSns;
  context: Context;
  /** Publishes are retried quickly: these are the figures a test should report next to its results. */
  retry: Partial<RetryPolicy>;
  close(): Promise<void>;
}

/** Tests' retry policy: the production attempt count, with delays in milliseconds rather than seconds. */
export const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 20, maxElapsedMs: 5_000 };

export async function startBridge(options: BridgeHarnessOptions): Promise<BridgeHarness> {
  const fake = await startFakeSns({ seed: options.seed ?? 1 });
  for (const arn of [...options.topics, options.parkingTopicArn]) {
    const [, , , region, accountId, name] = arn.split(':');
    fake.state.createTopic(name!, { region: region!, accountId: accountId! });
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'bridge-harness-'));
  const routesFile = path.join(dir, 'routes.json');
  writeFileSync(routesFile, JSON.stringify(options.routes));
  const account = options.parkingTopicArn.split(':')[4];
  const context = {
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:ses-notification-bridge-test`,
    awsRequestId: 'test',
  } as Context;

  configureClients({
    requestTimeoutMs: options.requestTimeoutMs ?? 1_000,
    connectionTimeoutMs: 500,
    endpoints: { sns: fake.endpoint },
  });
  const retry = { ...FAST_RETRY, ...options.retry };
  const base = createRuntime(
    { ROUTES_FILE: routesFile, PARKING_TOPIC: options.parkingTopicArn, BRIDGE_PUBLISH: 'sns' },
    context.invokedFunctionArn,
  );
  // Jitter fixed at half the ceiling: delays stay short and the same from run to run.
  const publisher = createSnsPublisher({ retry, concurrency: options.concurrency ?? 8, random: () => 0.5 });
  setRuntime({ ...base, deps: { ...base.deps, publisher } });

  return {
    fake,
    context,
    retry,
    close: async () => {
      setRuntime(undefined);
      resetClientSettings();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
