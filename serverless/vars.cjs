'use strict';
// Values serverless.yml computes from the routes file and the params, offline (no AWS lookups), so that
// `serverless package` works with no credentials. Resolved through ${file(./serverless/vars.cjs):NAME}.
const fs = require('node:fs');
const path = require('node:path');

const SNS_TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}$/;

// Params resolve in a later phase than file sources: let resolveVariable's "not yet" error propagate so osls
// retries this file once params are available.
async function param(resolveVariable, name, fallback) {
  const value = await resolveVariable(`param:${name}`);
  return value === undefined || value === null ? fallback : String(value);
}

function list(value) {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function checkTopics(arns, what) {
  for (const arn of arns) if (!SNS_TOPIC_ARN.test(arn)) throw new Error(`${what}: "${arn}" is not an SNS topic ARN`);
  return arns;
}

/** sns:Publish targets: every destination of the routes file (least privilege: nothing else). */
async function publishTopicArns({ resolveVariable }) {
  const file = await param(resolveVariable, 'routesFile', 'config/routes.example.json');
  const doc = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', file), 'utf8'));
  const topics = new Set((doc.routes || []).map((r) => r?.to?.topicArn).filter(Boolean));
  if (doc.unmatched && doc.unmatched.action === 'deliver' && doc.unmatched.to) topics.add(doc.unmatched.to.topicArn);
  if (topics.size === 0) throw new Error(`${file}: no destination topics; the bridge would have nothing to publish to`);
  return checkTopics([...topics], file);
}

/** Existing SNS topics (comma-separated param intakeTopicArns) whose feedback the intake queue also takes. */
async function intakeSubscriptions({ resolveVariable }) {
  const topics = checkTopics(list(await param(resolveVariable, 'intakeTopicArns', '')), 'param intakeTopicArns');
  const resources = {};
  topics.forEach((arn, i) => {
    resources[`IntakeSubscription${i}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: {
        TopicArn: arn,
        Protocol: 'sqs',
        Endpoint: { 'Fn::GetAtt': ['IntakeQueue', 'Arn'] },
        Region: arn.split(':')[3],
      },
    };
  });
  return { Resources: resources };
}

/** Topic ARNs allowed to send to the intake queue: the stack's own intake topic and the param's topics. */
async function intakeSourceArns({ resolveVariable }) {
  return [
    { Ref: 'IntakeTopic' },
    ...checkTopics(list(await param(resolveVariable, 'intakeTopicArns', '')), 'param intakeTopicArns'),
  ];
}

/** SNS events of route-sns: direct subscriptions to the comma-separated param directTopicArns (default none). */
async function directSnsEvents({ resolveVariable }) {
  return checkTopics(list(await param(resolveVariable, 'directTopicArns', '')), 'param directTopicArns').map((arn) => ({
    sns: { arn },
  }));
}

/** The sns:Publish resources: the routes file's destinations plus the stack's parking topic. */
async function publishResources(args) {
  return [...(await publishTopicArns(args)), { Ref: 'ParkingTopic' }];
}

module.exports = { publishResources, publishTopicArns, intakeSubscriptions, intakeSourceArns, directSnsEvents };
