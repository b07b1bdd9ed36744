/** Rewrites events/ from events/raw/ (npm run events). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSampleEvents, EVENTS_DIR, sampleEventText } from './sample-events';

for (const [relative, content] of buildSampleEvents()) {
  const file = path.join(EVENTS_DIR, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, sampleEventText(relative, content));
}
console.log(`wrote ${buildSampleEvents().size} sample events under events/`);
