/**
 * The default notification step of the intake: a verified SNS notification (or an authenticated raw-delivery
 * post) joins the normalize / route / publish path every other trigger uses.
 */
import type { OnNotification } from './handle';

/**
 * Runs the body through the shared runtime (lib/runtime.ts: routes, publisher, parking, logs and metrics) and answers
 * 'retry' when any record could not be published yet, so SNS redelivers the whole notification (HTTP 500).
 * The reader recognises both the SNS HTTP envelope (transport `sns-http`) and a bare SES record (raw delivery).
 * The runtime is loaded on first use so the intake's checks, its tests and `ses-bridge sns-verify` do not need the
 * routes configuration.
 */
export const pipelineOnNotification: OnNotification = async (body, rawText) => {
  const { processEvent } = await import('#lib/runtime');
  const report = await processEvent(body, undefined, rawText);
  return report.counts.retry > 0 ? 'retry' : 'delivered';
};
