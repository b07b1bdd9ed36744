import { describe, expect, it } from 'vitest';
import { generateRecords, sqsOfSnsEvent } from '../../../bench/corpus';
import { assertSameRequests, decodePublishBatchBody } from '../../../bench/sdk-check';
import { checkPipelineSdk, createPipeline, createPipelineSdk } from '../../../bench/throughput';

// The pipeline-sdk contestant is only honest if it publishes what pipeline publishes, through the real SDK.
describe('the pipeline-sdk benchmark contestant', () => {
  const event = sqsOfSnsEvent(generateRecords(600, 5), 5);

  it('sends the same requests and entries as pipeline, each signed, and gets every entry back as delivered', async () => {
    const checked = await checkPipelineSdk(event);
    const sink = createPipeline('notification');
    const sdk = createPipelineSdk('notification');
    const delivered = await sdk.run(event);
    expect(delivered).toBe(await sink.run(event));
    expect(checked).toBe(sink.stats.requests);
    expect(sdk.stats.requests).toBe(sink.stats.requests);
    expect(sdk.stats.entries).toBe(sink.stats.entries);
    sdk.destroy();
  });

  /** Both pipelines run once over the event, keeping their requests. */
  async function captureBoth() {
    const sink = createPipeline('notification', { capture: true });
    const sdk = createPipelineSdk('notification', { capture: true });
    await sink.run(event);
    await sdk.run(event);
    sdk.destroy();
    return { sink, sdk };
  }

  it('notices a request whose message differs from pipeline’s', async () => {
    const { sink, sdk } = await captureBoth();
    const entry = sink.captured[3]?.PublishBatchRequestEntries?.[2];
    if (entry === undefined) throw new Error('the corpus sent fewer requests than expected');
    entry.Message = `${entry.Message} `;
    expect(() => assertSameRequests(sink.captured, sdk.captured)).toThrow(/differs from pipeline's$/);
  });

  it('notices a request sent without a SigV4 signature', async () => {
    const { sink, sdk } = await captureBoth();
    const first = sdk.captured[0];
    if (first === undefined) throw new Error('no request captured');
    first.authorization = undefined;
    expect(() => assertSameRequests(sink.captured, sdk.captured)).toThrow(
      'pipeline-sdk sent a request without a SigV4 signature',
    );
  });

  it('decodes entries and their attributes from a form body', () => {
    const body = Buffer.from(
      'Action=PublishBatch&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At' +
        '&PublishBatchRequestEntries.member.1.Id=0&PublishBatchRequestEntries.member.1.Message=a%26b%3D%C3%A9' +
        '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=k' +
        '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.DataType=String' +
        '&PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value.StringValue=v%20w',
    );
    expect(decodePublishBatchBody(body)).toEqual({
      topicArn: 'arn:aws:sns:us-east-1:1:t',
      entries: [{ id: '0', message: 'a&b=é', attributes: [['k', 'String', 'v w']] }],
    });
  });
});
