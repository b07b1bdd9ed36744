/** The format conversions render makes, built both ways: spliced from a record's text and re-serialized. */
import type { JsonObject } from '#lib/json';
import {
  reserializedEventBody,
  reserializedNotificationBody,
  splicedEventBody,
  splicedNotificationBody,
} from '#lib/render/index';
import { LEGACY_TYPES } from '#lib/ses/normalize';
import type { FeedbackEvent, SesRecord } from '#lib/ses/types';

export interface Conversion {
  format: 'notification' | 'event';
  /** Null when the splice gave up (render then re-serializes). */
  spliced: string | null;
  reserialized: string;
}

/** Each conversion a record of this type can get, whatever its own format (a record with text). */
export function conversionsOf(event: FeedbackEvent, record: SesRecord): Conversion[] {
  const mail = record.json.mail as JsonObject;
  const text = record.text as string;
  const out: Conversion[] = [
    {
      format: 'event',
      spliced: splicedEventBody(event, text, mail),
      reserialized: reserializedEventBody(event, mail, false),
    },
  ];
  if (LEGACY_TYPES.has(event.type)) {
    out.push({
      format: 'notification',
      spliced: splicedNotificationBody(event, text, mail),
      reserialized: reserializedNotificationBody(event, mail, false),
    });
  }
  return out;
}

/**
 * A JSON text as JSON.parse reads it, written back compactly: two texts give the same string when they parse to the
 * same values with the same key order at every level.
 */
export function asParsed(text: string): string {
  return JSON.stringify(JSON.parse(text));
}
