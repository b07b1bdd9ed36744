import { describe, expect, it } from 'vitest';
import { jsonLines, loadEvent, runCli } from '#test/support/fixtures';

describe('ses-bridge normalize', () => {
  it('prints one event per record in input order and exits 0', async () => {
    const { code, stdout, stderr } = await runCli([
      'normalize',
      'events/sqs/multi-delegate-batch.json',
      'events/raw/event-click.json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const events = jsonLines(stdout);
    expect(events.map((e) => e.type)).toEqual([
      'bounce',
      'complaint',
      'delivery',
      'bounce',
      'delivery',
      'delivery_delay',
      'bounce',
      'delivery',
      'click',
    ]);
    expect(events.every((e) => !('raw' in e))).toBe(true);
  });

  it('adds the parsed SES record with --raw', async () => {
    const { stdout } = await runCli(['normalize', '--raw', 'events/raw/event-send.json']);
    expect(jsonLines(stdout)[0].raw).toEqual(loadEvent('raw/event-send.json'));
  });

  it('reads NDJSON from standard input', async () => {
    const ndjson = `${JSON.stringify(loadEvent('raw/event-open.json'))}\n${JSON.stringify(loadEvent('raw/legacy-delivery.json'))}\n`;
    const { code, stdout } = await runCli(['normalize', '-'], ndjson);
    expect(code).toBe(0);
    expect(jsonLines(stdout).map((e) => e.type)).toEqual(['open', 'delivery']);
  });

  it('reports each rejected input on stderr, still prints the good records, and exits 1', async () => {
    const { code, stdout, stderr } = await runCli(['normalize', 'events/sqs/with-bad-records.json']);
    expect(code).toBe(1);
    expect(jsonLines(stdout)).toHaveLength(2);
    expect(jsonLines(stderr)).toEqual([
      {
        level: 'error',
        code: 'invalid_json',
        message: expect.stringMatching(/^message is not valid JSON \(.*position 76/),
        file: 'events/sqs/with-bad-records.json',
        index: 0,
        path: 'Records[1].body',
      },
      {
        level: 'error',
        code: 'not_ses',
        message: 'message is plain text, not an SES JSON record (15 bytes; the text is parked, not quoted)',
        file: 'events/sqs/with-bad-records.json',
        index: 0,
        path: 'Records[2].body.Message',
      },
      {
        level: 'error',
        code: 'invalid_record',
        message: 'mail.messageId is missing',
        file: 'events/sqs/with-bad-records.json',
        index: 0,
        path: 'Records[3].body.Message.mail.messageId',
      },
      {
        level: 'error',
        code: 'not_ses',
        message: 'not an SES record: a JSON object without notificationType, eventType or mail',
        file: 'events/sqs/with-bad-records.json',
        index: 0,
        path: 'Records[4].body',
      },
    ]);
  });

  it('reports a broken NDJSON line with its index and keeps the other lines', async () => {
    const good = JSON.stringify(loadEvent('raw/event-open.json'));
    const { code, stdout, stderr } = await runCli(['normalize'], `${good}\n{"eventType":\n${good}\n`);
    expect(code).toBe(1);
    expect(jsonLines(stdout)).toHaveLength(2);
    expect(jsonLines(stderr)).toMatchObject([{ level: 'error', code: 'invalid_json', file: '-', index: 1, path: '' }]);
  });

  it('notes skipped documents without failing', async () => {
    const { code, stderr } = await runCli([
      'normalize',
      'test/fixtures/envelopes/sns-http-body__SubscriptionConfirmation.json',
    ]);
    expect(code).toBe(0);
    expect(jsonLines(stderr)).toEqual([
      {
        level: 'notice',
        code: 'skipped',
        message: 'SNS SubscriptionConfirmation for arn:aws:sns:us-west-2:123456789012:MyTopic is not feedback',
        file: 'test/fixtures/envelopes/sns-http-body__SubscriptionConfirmation.json',
        index: 0,
        path: '',
      },
    ]);
  });

  it('exits 2 for an unreadable file and for an unknown option', async () => {
    const missing = await runCli(['normalize', 'no/such/file.json']);
    expect(missing.code).toBe(2);
    expect(jsonLines(missing.stderr)).toEqual([
      {
        level: 'error',
        code: 'unreadable_file',
        message: 'cannot read no/such/file.json: no such file',
        file: 'no/such/file.json',
      },
    ]);
    const badOption = await runCli(['normalize', '--rwa']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--rwa'");
  });

  it('prints its help with --help', async () => {
    const { code, stdout } = await runCli(['normalize', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: ses-bridge normalize \[--raw\] \[FILE \.\.\.\]/);
  });
});
