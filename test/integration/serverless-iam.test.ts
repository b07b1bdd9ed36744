/**
 * The least-privilege check of the deployed-environment tests: each recorded request is named by the IAM action and
 * resource AWS would authorize, and a role is found wanting (a call it does not allow) or too generous (an action
 * it grants and no call uses).
 */
import { describe, expect, it } from 'vitest';
import type { IamStatement } from '#test/support/deployed';
import { deniedCalls, describeCall, unusedActions } from '#test/support/deployed-invoke';

const AUTH = 'AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/sns/aws4_request, SignedHeaders=host, Signature=x';
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:acme';

describe('the IAM action and resource of a request', () => {
  it('SNS: Publish and PublishBatch need sns:Publish on the topic; ConfirmSubscription names its topic', () => {
    const form = (action: string) => new URLSearchParams({ Action: action, TopicArn: TOPIC }).toString();
    expect(describeCall('sns', 'POST', '/', form('Publish'), AUTH)).toEqual({
      action: 'sns:Publish',
      resources: [TOPIC],
    });
    expect(describeCall('sns', 'POST', '/', form('PublishBatch'), AUTH)).toEqual({
      action: 'sns:Publish',
      resources: [TOPIC],
    });
    expect(describeCall('sns', 'POST', '/', form('ConfirmSubscription'), AUTH).action).toBe('sns:ConfirmSubscription');
  });

  it('DynamoDB: the operation of the X-Amz-Target header on the table named in the body', () => {
    const auth = AUTH.replace('/sns/', '/dynamodb/');
    const body = JSON.stringify({ TableName: 'bridge-dedupe', Key: { pk: { S: 'k' } } });
    expect(describeCall('dynamodb', 'POST', '/', body, auth, 'DynamoDB_20120810.GetItem')).toEqual({
      action: 'dynamodb:GetItem',
      resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/bridge-dedupe'],
    });
  });

  it('SES v1: identities by name in the fixed account and the request region, or by ARN as given', () => {
    const body = new URLSearchParams({
      Action: 'GetIdentityNotificationAttributes',
      'Identities.member.1': 'example.com',
      'Identities.member.2': 'arn:aws:ses:us-east-1:888888888888:identity/example.org',
    }).toString();
    expect(describeCall('ses', 'POST', '/', body, AUTH)).toEqual({
      action: 'ses:GetIdentityNotificationAttributes',
      resources: [
        'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
        'arn:aws:ses:us-east-1:888888888888:identity/example.org',
      ],
    });
  });

  it('SESv2: the operation from the method and path, the resource from the path or body', () => {
    expect(describeCall('sesv2', 'GET', '/v2/email/identities/example.com/policies', '', AUTH)).toEqual({
      action: 'ses:GetEmailIdentityPolicies',
      resources: ['arn:aws:ses:eu-west-1:123456789012:identity/example.com'],
    });
    expect(
      describeCall('sesv2', 'POST', '/v2/email/configuration-sets', '{"ConfigurationSetName":"bridge"}', AUTH),
    ).toEqual({
      action: 'ses:CreateConfigurationSet',
      resources: ['arn:aws:ses:eu-west-1:123456789012:configuration-set/bridge'],
    });
    expect(
      describeCall('sesv2', 'PUT', '/v2/email/configuration-sets/bridge/event-destinations/to-sns', '{}', AUTH).action,
    ).toBe('ses:UpdateConfigurationSetEventDestination');
    expect(describeCall('sesv2', 'DELETE', '/v2/email/configuration-sets/bridge', '', AUTH).action).toBe(
      'ses:DeleteConfigurationSet',
    );
  });
});

describe('a role against the calls', () => {
  const statements: IamStatement[] = [
    { Effect: 'Allow', Action: 'sns:Publish', Resource: [TOPIC] },
    { Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: ['arn:aws:kms:eu-west-1:1:key/k'] },
  ];

  it('names each call the role does not allow, once', () => {
    const other = 'arn:aws:sns:eu-west-1:111122223333:other';
    const calls = [
      { action: 'sns:Publish', resources: [TOPIC] },
      { action: 'sns:Publish', resources: [other] },
      { action: 'sns:Publish', resources: [other] },
      { action: 'sns:ConfirmSubscription', resources: [TOPIC] },
    ];
    expect(deniedCalls(statements, calls)).toEqual([`sns:Publish on ${other}`, `sns:ConfirmSubscription on ${TOPIC}`]);
  });

  it('lists the actions granted that no call used', () => {
    expect(unusedActions(statements, [{ action: 'sns:Publish', resources: [TOPIC] }])).toEqual([
      'kms:decrypt',
      'kms:generatedatakey*',
    ]);
  });
});
