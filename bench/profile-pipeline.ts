/**
 * Profiling aid: runs one pipeline contestant alone, `pipeline` or (with `sdk`) `pipeline-sdk`, e.g.
 * `node --cpu-prof bin/run-ts.cjs bench/profile-pipeline.ts sdk`.
 */
import { generateRecords, sqsOfSnsEvent } from './corpus';
import { createPipeline, createPipelineSdk } from './throughput';

async function main(): Promise<void> {
  const throughSdk = process.argv.includes('sdk');
  const event = sqsOfSnsEvent(generateRecords(10_000, 20260101), 20260101);
  const pipeline = throughSdk ? createPipelineSdk('notification') : { ...createPipeline('notification'), destroy() {} };
  for (let i = 0; i < 3; i++) await pipeline.run(event);
  const start = performance.now();
  for (let i = 0; i < 10; i++) await pipeline.run(event);
  const name = throughSdk ? 'pipeline-sdk' : 'pipeline';
  console.log(`${name}: ${((performance.now() - start) / 10).toFixed(1)} ms per 10,000-record batch`);
  pipeline.destroy();
}
void main();
