/**
 * The semantic feedback key: one value for one SES feedback event, whichever format carried it. SES can deliver
 * the same event twice during a migration (an identity notification beside a configuration-set event destination),
 * once with `notificationType` and once with `eventType`; this key is how the copies are recognised.
 */
import type { EventType } from '#lib/ses/types';

/**
 * Builds the key from fields both formats carry for the same event:
 * - bounce, complaint: `mail.messageId` and the type object's `feedbackId` (the type object's timestamp when a
 *   record has no feedbackId);
 * - delivery: `mail.messageId`, `delivery.timestamp` and the delivered recipients (sorted);
 * - click: `mail.messageId`, `click.timestamp` and `click.link`;
 * - the other types: `mail.messageId`, the type and the event's own timestamp; unknown types keep SES's own
 *   discriminator so that two different new types never share a key.
 */
export function feedbackKeyOf(
  type: EventType,
  sesEventType: string,
  messageId: string,
  timestamp: string,
  detail: Readonly<Record<string, unknown>> | null,
  recipients: readonly string[],
): string {
  switch (type) {
    case 'bounce':
    case 'complaint': {
      const feedbackId = detail?.feedbackId;
      return `${type}|${messageId}|${typeof feedbackId === 'string' ? feedbackId : `@${timestamp}`}`;
    }
    case 'delivery':
      return `delivery|${messageId}|${timestamp}|${recipients.length < 2 ? recipients.join(',') : [...recipients].sort().join(',')}`;
    case 'click': {
      const link = detail?.link;
      return `click|${messageId}|${timestamp}|${typeof link === 'string' ? link : ''}`;
    }
    case 'unknown':
      return `unknown:${sesEventType}|${messageId}|${timestamp}`;
    default:
      return `${type}|${messageId}|${timestamp}`;
  }
}
