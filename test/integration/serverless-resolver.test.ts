/**
 * The test support's CloudFormation resolver computes intrinsic functions as CloudFormation would for the fixed
 * account, region and stage: what the deployed-environment tests read from the template is what a stack would get.
 */
import { describe, expect, it } from 'vitest';
import { TemplateResolver } from '#test/support/deployed';

const template = {
  Conditions: {
    HasTopics: { 'Fn::Not': [{ 'Fn::Equals': ['a,b', ''] }] },
    NoKey: { 'Fn::Equals': ['create', 'none'] },
  },
  Resources: {
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'bridge-parking' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'bridge-intake' } },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'bridge-route-sqs' } },
    Key: { Type: 'AWS::KMS::Key', Condition: 'NoKey', Properties: {} },
  },
};
const resolver = new TemplateResolver(template);

describe('the template resolver', () => {
  it('resolves Ref and Fn::GetAtt of topics, queues and functions to their ARNs, names and URLs', () => {
    expect(resolver.resolve({ Ref: 'Topic' })).toBe('arn:aws:sns:us-east-1:123456789012:bridge-parking');
    expect(resolver.resolve({ Ref: 'Queue' })).toBe('https://sqs.us-east-1.amazonaws.com/123456789012/bridge-intake');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe(
      'arn:aws:sqs:us-east-1:123456789012:bridge-intake',
    );
    expect(resolver.resolve({ 'Fn::GetAtt': 'Fn.Arn' })).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:bridge-route-sqs',
    );
  });

  it('resolves Fn::Sub (pseudo parameters, attributes, its own variables, ${!literal}), Fn::Join, Fn::Split and Fn::Select', () => {
    expect(
      resolver.resolve({
        'Fn::Sub': [
          'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:${Name}:${Queue.QueueName}:${!x}',
          { Name: 'n' },
        ],
      }),
    ).toBe('arn:aws:logs:us-east-1:123456789012:n:bridge-intake:${x}');
    expect(resolver.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sns']] })).toBe('arn:aws:sns');
    expect(resolver.resolve({ 'Fn::Split': [',', 'a,b'] })).toEqual(['a', 'b']);
    expect(resolver.resolve({ 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b'] }] })).toBe('b');
  });

  it('evaluates conditions in Fn::If, drops AWS::NoValue, and leaves out resources whose condition is false', () => {
    expect(resolver.resolve({ 'Fn::If': ['HasTopics', ['x'], { Ref: 'AWS::NoValue' }] })).toEqual(['x']);
    expect(resolver.resolve({ A: { 'Fn::If': ['NoKey', 'k', { Ref: 'AWS::NoValue' }] }, B: 1 })).toEqual({ B: 1 });
    expect(resolver.resources()).not.toHaveProperty('Key');
    expect(() => resolver.resolve({ Ref: 'Key' })).toThrow('template: Ref to Key, which its condition leaves out');
  });

  it('refuses what it does not know rather than guess', () => {
    expect(() => resolver.resolve({ Ref: 'Nope' })).toThrow('template: Ref to unknown Nope');
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'x' })).toThrow(
      'template: Fn::ImportValue is not resolved by this test support',
    );
  });
});
