/** The files `ses-bridge migrate` writes: journals (header first, then one change per line). */
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { ConfigError } from '#lib/errors';
import { type JournalEntry, type JournalHeader, parseJournalFile } from '#lib/migration/index';

/**
 * A journal appender for `header`'s plan and account. An existing file must be a journal of the same plan file and
 * account, whole (a truncated last line is rolled back or moved aside first); it is checked now, before any change.
 * The header is written with the first entry, so a run that changes nothing writes no file.
 */
export function journalAppender(file: string, header: JournalHeader): (entry: JournalEntry) => void {
  let needHeader = !existsSync(file) || statSync(file).size === 0;
  if (!needHeader) {
    const existing = parseJournalFile(readFileSync(file, 'utf8'), file);
    const h = existing.header;
    if (h.planId !== header.planId || h.planDigest !== header.planDigest || h.account !== header.account)
      throw new ConfigError(
        `is the journal of plan ${h.planId} (${h.planDigest}) in account ${h.account}, not of this plan and account: pass another --journal`,
        file,
      );
    if (existing.truncated)
      throw new ConfigError(
        `line ${existing.truncated.line} is truncated (a crash while writing it?): roll back or move the file aside before appending to it`,
        file,
      );
  }
  return (entry) => {
    if (needHeader) appendFileSync(file, `${JSON.stringify(header)}\n`);
    needHeader = false;
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
  };
}
