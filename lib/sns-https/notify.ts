/**
 * The default notification step of the intake: a verified SNS notification (or an authenticated raw-delivery
 * post) joins the normalize / route / publish path every other trigger uses.
 */
import { rawDeliveryItems, signedNotificationItems } from '#lib/envelopes/triggers';
import { processTriggerItems } from '#lib/runtime';
import type { OnNotification } from '#lib/sns-https/handle';

/**
 * Reads the record from the signed `Message` alone (transport `sns-http`; nothing else of the body is read, so no
 * unsigned key can change what is routed), or from a raw-delivery body that must be the SES record itself; runs it
 * through the shared runtime (lib/runtime.ts: routes, publisher, parking, logs and metrics) and answers 'retry' when
 * any record could not be published yet, so SNS redelivers the whole notification (HTTP 500). The runtime's
 * ConfigError (parking topic, routes) propagates: the invocation fails.
 * Imported statically: the runtime reads the routes configuration on first use, not when it loads, so the intake's
 * checks and their tests still need none. A dynamic `import()` here made esbuild turn lib/runtime and everything it
 * imports into lazily initialized modules, which it does not tree-shake: the sns-https bundle carried the whole SNS
 * client with all its commands and paginators, and its cold require was about 1.27x the client-sns reference
 * against 1.15x for the route functions (docs/performance.md).
 */
export const pipelineOnNotification: OnNotification = async (post, context) => {
  const items = post.raw
    ? rawDeliveryItems(post.text, post.topicArn, post.messageId)
    : signedNotificationItems(post.message);
  const report = await processTriggerItems(items, context);
  return report.counts.retry > 0 ? 'retry' : 'delivered';
};
