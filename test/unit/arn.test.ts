import { describe, expect, it } from 'vitest';
import { isStandardTopicArn, parseSnsTopicArn } from '#lib/arn';

describe('parsing SNS topic ARNs', () => {
  it('takes apart standard and FIFO topic ARNs of any partition', () => {
    expect(parseSnsTopicArn('arn:aws:sns:us-east-1:111122223333:acme-feedback')).toEqual({
      partition: 'aws',
      region: 'us-east-1',
      accountId: '111122223333',
      name: 'acme-feedback',
      fifo: false,
    });
    expect(parseSnsTopicArn('arn:aws-cn:sns:cn-north-1:111122223333:t.fifo')).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      accountId: '111122223333',
      name: 't.fifo',
      fifo: true,
    });
    expect(isStandardTopicArn('arn:aws:sns:us-east-1:111122223333:t.fifo')).toBe(false);
    expect(isStandardTopicArn('arn:aws-us-gov:sns:us-gov-west-1:111122223333:t')).toBe(true);
  });

  it('refuses what is not a topic ARN', () => {
    for (const text of [
      'arn:aws:sqs:us-east-1:111122223333:q',
      'arn:aws:sns:us-east-1:1111:t',
      'arn:aws:sns:useast:111122223333:t',
      'arn:aws:sns:us-east-1:111122223333:bad name',
      'acme-feedback',
    ]) {
      expect(parseSnsTopicArn(text), text).toBeNull();
    }
  });
});
