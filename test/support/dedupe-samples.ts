/** Copies of one SES event in different formats, for the de-duplication tests. */
import { readFeedback } from '#lib/intake';
import { render } from '#lib/render/index';
import { eventBridgeEvent, lambdaSqsEvent, sqsBodyFromSns } from '#test/support/envelopes';
import { eventText } from '#test/support/fixtures';

/** One bounce, as the legacy notification over SQS and as the event-publishing record over EventBridge. */
export function theSameBounceTwice(topicArn: string) {
  const legacy = eventText('raw/legacy-bounce-with-dsn.json');
  const [outcome] = readFeedback(JSON.parse(legacy), legacy);
  if (outcome?.kind !== 'event') throw new Error('not an event');
  const asEvent = render(outcome.event, outcome.record, topicArn, 'event');
  if (asEvent.kind !== 'message') throw new Error('not rendered');
  return {
    sqs: lambdaSqsEvent([sqsBodyFromSns(legacy)]),
    eventBridge: eventBridgeEvent(JSON.parse(asEvent.body)),
  };
}
