/**
 * An in-process stand-in for SNS: the real SNS publisher (lib/publish/sns) builds its PublishBatchCommand objects
 * (entry ids, Message, MessageAttributes, at most 10 entries and 256 KiB each) and hands them to this client, which
 * accepts every entry without serializing or sending anything. What is measured is the bridge's work, not the
 * SDK's wire encoding or the network.
 */
import type { PublishBatchCommand, PublishBatchInput, PublishBatchResponse } from '@aws-sdk/client-sns';
import type { SnsSender } from '#lib/publish/sns';

export interface SinkStats {
  requests: number;
  entries: number;
  /** UTF-16 length of the bodies: enough to check that two runs published the same messages. */
  bodyChars: number;
}

/** `capture` keeps every request's input (for the equality check of pipeline-sdk, never while timing). */
export function createSinkClient(options: { capture?: boolean } = {}): {
  client: SnsSender;
  stats: SinkStats;
  captured: PublishBatchInput[];
} {
  const stats: SinkStats = { requests: 0, entries: 0, bodyChars: 0 };
  const captured: PublishBatchInput[] = [];
  const send = async (command: PublishBatchCommand): Promise<PublishBatchResponse> => {
    const entries = command.input.PublishBatchRequestEntries ?? [];
    if (options.capture) captured.push(structuredClone(command.input));
    stats.requests++;
    stats.entries += entries.length;
    const successful = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      stats.bodyChars += entry.Message?.length ?? 0;
      successful[i] = { Id: entry.Id, MessageId: `sink-${stats.requests}-${i}` };
    }
    return { Successful: successful, Failed: [], $metadata: {} } as PublishBatchResponse;
  };
  return { client: { send } as unknown as SnsSender, stats, captured };
}
