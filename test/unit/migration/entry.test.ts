import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#test/support/fixtures';

/** The `#lib/migration/...` modules a source file imports. */
function migrationImports(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return [...text.matchAll(/from '#lib\/migration\/([\w-]+)'/g)].map((m) => m[1]!);
}

const CLI = readdirSync(path.join(REPO_ROOT, 'bin/commands'))
  .filter((f) => f.startsWith('migrate') && f.endsWith('.ts'))
  .map((f) => `bin/commands/${f}`);

describe('the migration entry', () => {
  it('is the only migration module the CLI imports', () => {
    expect(CLI.length).toBeGreaterThan(4);
    for (const file of CLI)
      for (const target of migrationImports(file)) expect(`${file} imports ${target}`).toBe(`${file} imports index`);
  });

  it("gives the Lambda adapter the account's use cases alone: no planner, canary or parity in its bundle", () => {
    expect(migrationImports('lib/migration/lambda.ts')).toEqual(['account']);
    const account = readFileSync(path.join(REPO_ROOT, 'lib/migration/account.ts'), 'utf8');
    for (const heavy of ['plan', 'runbook', 'canary', 'parity', 'parity-table', 'inventory-file'])
      expect(account).not.toContain(`'#lib/migration/${heavy}'`);
    expect(readFileSync(path.join(REPO_ROOT, 'lib/migration/index.ts'), 'utf8')).toContain(
      "export * from '#lib/migration/account';",
    );
  });

  it('leaves the Lambda handler only the adapter to import', () => {
    expect(migrationImports('functions/migrate.ts')).toEqual(['lambda']);
  });
});
