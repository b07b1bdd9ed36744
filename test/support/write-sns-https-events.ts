/** Rewrites events/sns-https/ (signed with the committed test key): node bin/run-ts.cjs test/support/write-sns-https-events.ts */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSnsHttpsSamples, SNS_HTTPS_EVENTS_DIR, snsHttpsSampleText } from './sns-https-samples';

const samples = buildSnsHttpsSamples();
mkdirSync(SNS_HTTPS_EVENTS_DIR, { recursive: true });
for (const [name, event] of samples) writeFileSync(path.join(SNS_HTTPS_EVENTS_DIR, name), snsHttpsSampleText(event));
console.log(`wrote ${samples.size} sample events under events/sns-https/`);
