/** Rewrites test/fixtures/bad/ from test/support/bad-inputs.ts (node bin/run-ts.cjs test/support/write-bad-inputs.ts). */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildBadInputs } from './bad-inputs';

const dir = path.resolve(__dirname, '../fixtures/bad');
const { files } = buildBadInputs();
rmSync(dir, { recursive: true, force: true });
for (const [relative, text] of files) {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), text);
}
console.log(`wrote ${files.size} files under test/fixtures/bad/`);
