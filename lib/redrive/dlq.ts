/**
 * `redrive --dlq`: the intake DLQ's messages moved back to the queue they came from, by an SQS message move task
 * (SQS developer guide, "Configure a dead-letter queue redrive"): SQS moves them itself, each one atomically, so
 * stopping half way leaves every message in one queue or the other, never lost or doubled.
 */
import {
  CancelMessageMoveTaskCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

export interface DlqMoveOptions {
  client: SQSClient;
  /** The DLQ's URL (its ARN is read from it). */
  queueUrl: string;
  /** Null: dry run (only counts). */
  execute: boolean;
  stopped?: () => boolean;
  onProgress?: (moved: number, toMove: number) => void;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DlqMoveResult {
  arn: string;
  messages: number;
  status: 'DRY_RUN' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  moved: number;
  failureReason?: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function moveDlqBack(options: DlqMoveOptions): Promise<DlqMoveResult> {
  const { client, queueUrl } = options;
  const sleep = options.sleep ?? realSleep;
  const stopped = options.stopped ?? (() => false);
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }),
  );
  const arn = attrs.Attributes?.QueueArn ?? '';
  const messages = Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0);
  if (!options.execute) return { arn, messages, status: 'DRY_RUN', moved: 0 };
  // No DestinationArn: each message goes back to the queue it was dead-lettered from.
  const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: arn }));
  let cancelled = false;
  for (;;) {
    await sleep(options.pollMs ?? 1_000);
    if (stopped() && !cancelled && TaskHandle !== undefined) {
      cancelled = true;
      await client.send(new CancelMessageMoveTaskCommand({ TaskHandle })).catch(() => undefined);
    }
    const { Results } = await client.send(new ListMessageMoveTasksCommand({ SourceArn: arn, MaxResults: 1 }));
    const task = Results?.[0];
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    options.onProgress?.(moved, task?.ApproximateNumberOfMessagesToMove ?? messages);
    const status = task?.Status;
    if (status === 'COMPLETED' || status === 'CANCELLED' || status === 'FAILED') {
      return {
        arn,
        messages,
        status,
        moved,
        ...(task?.FailureReason !== undefined ? { failureReason: task.FailureReason } : {}),
      };
    }
  }
}
