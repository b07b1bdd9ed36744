/**
 * The cutover's live state: the mode of a route in the bridge's routes file (the file the operator deploys, given to
 * `apply`/`verify`/`rollback` with `--routes FILE`). The file is read again for every step, so a hand edit between
 * two commands is seen, and written back whole with only the mode changed; deploying it is the operator's step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, describeError } from '#lib/errors';
import { isObject } from '#lib/json';
import type { RouteMode } from '#lib/migration/types';
import { parseRoutesJson } from '#lib/routing/load';

type RouteEntry = Record<string, unknown> & { name?: unknown; mode?: unknown; shadowTopicArn?: unknown };

export class RoutesFile {
  constructor(readonly file: string) {}

  /**
   * The file as written (kept whole for writing back), checked by the validator the functions and `serverless
   * package` use: a cutover never reads, nor writes, a routes file the bridge would refuse.
   */
  private read(): { doc: Record<string, unknown>; routes: RouteEntry[] } {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read the routes file: ${describeError(err)}`, this.file, { cause: err });
    }
    parseRoutesJson(text, this.file);
    const doc = JSON.parse(text) as Record<string, unknown> & { routes: unknown[] };
    return { doc, routes: doc.routes.filter(isObject) as RouteEntry[] };
  }

  /** The route's mode (`live` when the file does not say), or null when the file has no route of that name. */
  mode(route: string): RouteMode | null {
    const entry = this.read().routes.find((r) => r.name === route);
    if (!entry) return null;
    return entry.mode === 'shadow' ? 'shadow' : 'live';
  }

  /** Sets the route's mode; a shadow mode needs the route's `shadowTopicArn`, which the plan wrote and cutover keeps. */
  setMode(route: string, mode: RouteMode): void {
    const { doc, routes } = this.read();
    const entry = routes.find((r) => r.name === route);
    if (!entry)
      throw new ConfigError(`has no route named "${route}": merge the plan's routes.json into it first`, this.file);
    if (mode === 'shadow' && typeof entry.shadowTopicArn !== 'string')
      throw new ConfigError(`route "${route}" has no shadowTopicArn: it cannot go back to shadow mode`, this.file);
    entry.mode = mode;
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    parseRoutesJson(text, this.file);
    writeFileSync(this.file, text);
  }
}
