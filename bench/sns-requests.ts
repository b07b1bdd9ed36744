/**
 * SNS requests per 1,000 records routed to 10 topics, counted where they arrive: at the SNS test server on
 * 127.0.0.1 (test/support/fake-sns-server.ts), through the real SDK client (with the bridge's PublishBatch
 * serializer, as lib/aws-clients.ts builds it) and the bridge's SNS publisher.
 * Lambda bills nothing for this, SNS bills per request: batching by topic is what keeps the count near 100.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { readFeedback } from '#lib/intake';
import { processBatch } from '#lib/pipeline';
import { createSnsPublisher } from '#lib/publish/sns';
import { usePublishBatchSerializer } from '#lib/publish/sns-protocol';
import { parseRoutesConfig } from '#lib/routing/config';
import { compileRoutes } from '#lib/routing/index';
import { startFakeSns } from '#test/support/fake-sns-server';
import { benchRoutes, DESTINATION_TOPICS, type SqsEvent } from './corpus';
import { PARKING_TOPIC_ARN } from './throughput';

export interface SnsRequestCount {
  records: number;
  /** Invocations the records were split into (the SQS event source's batch size). */
  invocations: number;
  published: number;
  publishBatchRequests: number;
  /** Every request the server received (PublishBatch, plus any Publish, retries included). */
  requests: number;
  requestsPer1000Published: number;
}

/**
 * Runs `event`'s records through readFeedback + processBatch with the SNS publisher against a fresh test server,
 * `batchSize` records per invocation, every record to one of the 10 destination topics.
 */
export async function countSnsRequests(
  event: SqsEvent,
  batchSize: number,
  format: 'original' | 'notification',
): Promise<SnsRequestCount> {
  const fake = await startFakeSns();
  try {
    for (const arn of [...DESTINATION_TOPICS, PARKING_TOPIC_ARN]) {
      const [, , , region, accountId, name] = arn.split(':') as [string, string, string, string, string, string];
      fake.state.createTopic(name, { region, accountId });
    }
    const clients = new Map<string, SNSClient>();
    const publisher = createSnsPublisher({
      clientFor: (region) => {
        let client = clients.get(region);
        if (client === undefined) {
          client = usePublishBatchSerializer(
            new SNSClient({
              ...fake.clientConfig(region),
              maxAttempts: 1,
              requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true },
            }),
          );
          clients.set(region, client);
        }
        return client;
      },
    });
    const deps = {
      routes: compileRoutes(parseRoutesConfig(benchRoutes(format), 'bench routes')),
      publisher,
      parkingTopicArn: PARKING_TOPIC_ARN,
    };
    let published = 0;
    let invocations = 0;
    for (let start = 0; start < event.Records.length; start += batchSize) {
      const report = await processBatch(readFeedback({ Records: event.Records.slice(start, start + batchSize) }), deps);
      if (report.counts.retry > 0 || report.counts.parked > 0)
        throw new Error(
          `SNS request count: ${report.counts.retry} retried and ${report.counts.parked} parked records; expected none`,
        );
      published += report.counts.delivered;
      invocations++;
    }
    for (const client of clients.values()) client.destroy();
    const publishBatchRequests = fake.state.requestCount('PublishBatch');
    const requests = fake.state.requestCount();
    if (fake.state.published.length !== published)
      throw new Error(
        `the SNS test server holds ${fake.state.published.length} messages, the bridge reports ${published}`,
      );
    return {
      records: event.Records.length,
      invocations,
      published,
      publishBatchRequests,
      requests,
      requestsPer1000Published: (requests / published) * 1000,
    };
  } finally {
    await fake.close();
  }
}
