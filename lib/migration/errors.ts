/**
 * Why the migration tooling stops. Bad files and flags are `ConfigError`/`UsageError` (lib/errors.ts, exit 2); a plan
 * that would lose or leak feedback, a drifted state or a failed step is a refusal (exit 1): the input was well formed,
 * but doing what it asks would be unsafe.
 */

import { BridgeError, ErrorCode } from '#lib/errors';

/** The tool refuses to go on; `reasons` are sentences an operator can act on. */
export class MigrationRefusal extends BridgeError {
  override readonly name = 'MigrationRefusal';
  readonly code = ErrorCode.migrationRefused;
  constructor(
    readonly reasons: string[],
    readonly hint = '',
  ) {
    super([...reasons, ...(hint ? [hint] : [])].join('\n'));
  }
}
