/**
 * Confirming a subscription with the SNS ConfirmSubscription API, never by fetching SubscribeURL: a body's URL is
 * attacker-chosen text until proven otherwise (server-side request forgery), and an unauthenticated GET confirms
 * without AuthenticateOnUnsubscribe, so anyone holding the token could later unsubscribe the endpoint.
 *
 * Docs: SendMessageToHttp.prepare ("If you want to allow only the topic owner and subscription owner to be able to
 * unsubscribe the endpoint, you call the ConfirmSubscription action with an AWS signature").
 */
import { ConfirmSubscriptionCommand, type SNSClient } from '@aws-sdk/client-sns';
import { parseSnsTopicArn } from '#lib/arn';

/** Confirms a subscription; resolves to the subscription ARN SNS returns. */
export type ConfirmSubscription = (topicArn: string, token: string) => Promise<{ subscriptionArn: string | null }>;

/** Builds the SNS client of a region (production: `snsClient` from lib/aws-clients.ts). */
export type SnsClientFactory = (region: string) => Pick<SNSClient, 'send'>;

/**
 * ConfirmSubscription in the topic's own region (a token is only valid there), with AuthenticateOnUnsubscribe so
 * that unsubscribing later needs AWS credentials.
 */
export function confirmWithSns(clientFor: SnsClientFactory): ConfirmSubscription {
  return async (topicArn, token) => {
    const topic = parseSnsTopicArn(topicArn);
    if (topic === null) throw new Error(`${topicArn} is not an SNS topic ARN`);
    const out = await clientFor(topic.region).send(
      new ConfirmSubscriptionCommand({ TopicArn: topicArn, Token: token, AuthenticateOnUnsubscribe: 'true' }),
    );
    return { subscriptionArn: out.SubscriptionArn ?? null };
  };
}

// SNS refuses these for this token and topic whatever the timing: an expired or unknown token, a deleted topic.
const PERMANENT_ERRORS: ReadonlySet<string> = new Set([
  'InvalidParameterException',
  'InvalidParameter',
  'NotFoundException',
  'NotFound',
]);

/** True when retrying the same ConfirmSubscription cannot succeed (so SNS should not redeliver the confirmation). */
export function isPermanentConfirmError(err: unknown): boolean {
  return err instanceof Error && PERMANENT_ERRORS.has(err.name);
}
