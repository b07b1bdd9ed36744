/** Profiling aid: runs the pipeline contestant alone, e.g. `node --cpu-prof bin/run-ts.cjs bench/profile-pipeline.ts`. */
import { generateRecords, sqsOfSnsEvent } from './corpus';
import { createPipeline } from './throughput';

async function main(): Promise<void> {
  const event = sqsOfSnsEvent(generateRecords(10_000, 20260101), 20260101);
  const pipeline = createPipeline('notification');
  for (let i = 0; i < 3; i++) await pipeline.run(event);
  const start = performance.now();
  for (let i = 0; i < 10; i++) await pipeline.run(event);
  console.log(`pipeline: ${((performance.now() - start) / 10).toFixed(1)} ms per 10,000-record batch`);
}
void main();
