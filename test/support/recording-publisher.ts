import type { OutboundMessage, Publisher, PublishOutcome } from '#lib/publish/types';

/**
 * An in-process publisher that records every message it is given and answers each with the status `answer` picks
 * (`ok` by default); asked again on every session, so a test can change its mind between batches.
 */
export function recordingPublisher(answer: (m: OutboundMessage) => PublishOutcome['status'] = () => 'ok') {
  const sent: OutboundMessage[] = [];
  const publisher: Publisher = {
    open() {
      const added: OutboundMessage[] = [];
      return {
        add: (message) => added.push(message),
        finish: async () => {
          sent.push(...added);
          return added.map((m): PublishOutcome => {
            const status = answer(m);
            if (status === 'ok') return { key: m.key, status, messageId: `id-${m.key}` };
            return { key: m.key, status, code: status === 'poison' ? 'NotFound' : 'InternalError', reason: 'test' };
          });
        },
      };
    },
  };
  return { publisher, sent };
}
