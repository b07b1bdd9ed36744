/**
 * `npm run local-aws`: the local SNS, SQS and SES test servers on their own, for trying `demo`, `invoke local` and
 * `redrive` against real HTTP endpoints with no AWS account. Creates the topics of the routes file (ROUTES_FILE, else
 * the example), a parking topic delivering to a parked queue (raw delivery, as the stack does), an intake queue and
 * its dead-letter queue; prints the environment to export; runs until Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_ROUTES_FILE } from '#lib/config';
import { destinationTopics } from '#lib/routing/config';
import { parseRoutesFileText } from '#lib/routing/yaml';
import { FakeSes } from '#test/support/fake-ses-server';
import { startFakeSns } from '#test/support/fake-sns-server';
import { type FakeSqsMessageAttribute, startFakeSqs } from '#test/support/fake-sqs-server';

const OWNER = '888888888888';
const REGION = 'us-east-1';

async function main(): Promise<void> {
  const routesFile = process.env.ROUTES_FILE || path.join(__dirname, '../..', DEFAULT_ROUTES_FILE);
  const routes = parseRoutesFileText(readFileSync(routesFile, 'utf8'), routesFile);
  const sns = await startFakeSns();
  const sqs = await startFakeSqs();
  const ses = await FakeSes.start({ accounts: [OWNER] });

  for (const arn of destinationTopics(routes)) {
    const [, , , region, accountId, name] = arn.split(':');
    sns.state.createTopic(name as string, { region: region as string, accountId: accountId as string });
  }
  const parking = sns.state.createTopic('ses-notification-bridge-local-parking', { region: REGION, accountId: OWNER });
  const parked = sqs.state.createQueue('ses-notification-bridge-local-parked', { region: REGION, accountId: OWNER });
  const dlq = sqs.state.createQueue('ses-notification-bridge-local-intake-dlq', { region: REGION, accountId: OWNER });
  const intake = sqs.state.createQueue('ses-notification-bridge-local-intake', {
    region: REGION,
    accountId: OWNER,
    attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) },
  });
  // The parked queue's raw-delivery subscription to the parking topic.
  sns.state.events.on('publish', (topic, message) => {
    if (topic.arn !== parking.arn) return;
    const attributes: Record<string, FakeSqsMessageAttribute> = {};
    for (const [name, a] of Object.entries(message.attributes)) {
      attributes[name] = { DataType: a.DataType, StringValue: a.StringValue ?? '' };
    }
    sqs.state.deliver(parked.arn, message.body, attributes);
  });

  const env = {
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SES: ses.endpoint(),
    AWS_ENDPOINT_URL_SESV2: ses.endpoint(),
    AWS_ENDPOINT_URL_STS: ses.endpoint(),
    AWS_REGION: REGION,
    // The SES test server tells accounts apart by access key: these act as the owner (the SNS and SQS servers
    // accept any key).
    AWS_ACCESS_KEY_ID: ses.credentials(OWNER).accessKeyId,
    AWS_SECRET_ACCESS_KEY: ses.credentials(OWNER).secretAccessKey,
    PARKING_TOPIC: parking.arn,
    PARKED_QUEUE_URL: parked.url,
    INTAKE_QUEUE_URL: intake.url,
    INTAKE_DLQ_URL: dlq.url,
  };
  process.stdout.write(
    [
      `Local SNS, SQS and SES test servers are running (${destinationTopics(routes).length} topics of ${path.relative(process.cwd(), routesFile) || routesFile}). Ctrl-C stops them.`,
      'In another shell, export:',
      '',
      ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`),
      '',
      'then try: npx ses-bridge demo; npx ses-bridge redrive --queue "$PARKED_QUEUE_URL"',
      '',
    ].join('\n'),
  );

  const stop = async () => {
    await Promise.all([sns.close(), sqs.close(), ses.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

void main();
