'use strict';
// Peak RSS of one Lambda-sized SQS batch, in a fresh process: read the invoke payload and parse it (as the Lambda
// runtime does before calling the handler), then, in `handler` mode, load the packaged handler and run it.
// `baseline` mode stops after parsing, to show what the payload alone costs. Answer on file descriptor 3.
const { readFileSync, writeSync } = require('node:fs');

async function main() {
  const [mode, eventFile, handlerFile] = process.argv.slice(2);
  const payload = readFileSync(eventFile, 'utf8');
  const event = JSON.parse(payload);
  const answer = { records: event.Records.length };
  if (mode === 'handler') {
    const { handler } = require(handlerFile);
    const context = {
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:888888888888:function:ses-notification-bridge-bench-route-sqs',
      awsRequestId: 'bench',
    };
    const start = process.hrtime.bigint();
    const response = await handler(event, context);
    answer.ms = Number(process.hrtime.bigint() - start) / 1e6;
    answer.batchItemFailures = response.batchItemFailures.length;
  }
  answer.maxRssKB = process.resourceUsage().maxRSS;
  writeSync(3, JSON.stringify(answer));
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ? err.stack : err}\n`);
  process.exit(1);
});
