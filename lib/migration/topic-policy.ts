/**
 * The SNS topic policy statements (and KMS key policy statements) each new path needs. Shapes from
 * configure-sns-notifications (identity notifications: principal ses.amazonaws.com, AWS:SourceAccount and
 * AWS:SourceArn = the identity ARN), event-publishing-add-event-destination-sns (the same with the configuration-set
 * ARN), and the KMS note on configure-sns-notifications (kms:GenerateDataKey + kms:Decrypt for encrypted topics).
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: { Service: string } | { AWS: string | string[] };
  Action: string | string[];
  Resource: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

function oneOrMany(values: string[]): string | string[] {
  const unique = [...new Set(values)].sort();
  return unique.length === 1 ? unique[0]! : unique;
}

function sid(prefix: string, seed: string): string {
  // Sids are alphanumeric; a stable suffix lets a second run find (and not duplicate) its statement.
  return `${prefix}${seed.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 100);
}

/**
 * Lets SES publish to `topicArn` on behalf of the given sources: identity ARNs (identity notifications, including
 * the "SNS topic you don't own" case) or configuration-set ARNs (event destinations). For a topic owned by a delegate
 * and fed by the owner's identity, the source account is the owner's: that case has no AWS example (fact sheet gap 3),
 * the statement follows the documented same-account one.
 */
export function sesPublishStatement(topicArn: string, sourceAccounts: string[], sourceArns: string[]): PolicyStatement {
  return {
    Sid: sid('AllowSESPublish', [...new Set(sourceAccounts)].sort().join('')),
    Effect: 'Allow',
    Principal: { Service: 'ses.amazonaws.com' },
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: {
      StringEquals: { 'AWS:SourceAccount': oneOrMany(sourceAccounts), 'AWS:SourceArn': oneOrMany(sourceArns) },
    },
  };
}

/** Lets the bridge's publisher (its account root, or its function role) publish to a delegate's topic. */
export function bridgePublishStatement(topicArn: string, publisher: string): PolicyStatement {
  return {
    Sid: 'AllowSesBridgePublish',
    Effect: 'Allow',
    Principal: { AWS: publisher },
    Action: 'sns:Publish',
    Resource: topicArn,
  };
}

/** The KMS key policy statement a KMS-encrypted topic needs so that the publisher can encrypt messages for it. */
export function kmsStatement(principal: { Service: string } | { AWS: string }): PolicyStatement {
  return {
    Sid: 'Service' in principal ? 'AllowSESToUseKMSKey' : 'AllowSesBridgeToUseKMSKey',
    Effect: 'Allow',
    Principal: principal,
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: '*',
  };
}

/** A policy document holding the statements (to merge into the topic's existing policy). */
export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}
