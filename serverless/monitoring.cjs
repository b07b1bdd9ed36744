'use strict';
// The stack's alarms and dashboard. README.md ("Operations") says what each alarm means and what to do.
const { checkTopics, param, params, warnOnce } = require('./params.cjs');
const { logicalName } = require('./roles.cjs');

const FUNCTIONS = ['route-sqs', 'route-sns', 'route-eventbridge', 'route-firehose', 'sns-https', 'migrate'];
// The bridge's EMF metrics (lib/logger.ts): namespace and the default `service` dimension of Powertools Metrics.
const NAMESPACE = 'SesNotificationBridge';
const SERVICE = { Name: 'service', Value: 'ses-notification-bridge' };

function pascal(fn) {
  return fn.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
}

/** An alarm that fires as soon as the metric's sum over one period is above the threshold. */
function alarm(description, metric, actions, { threshold = 0, period = 300, statistic = 'Sum', comparison } = {}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ...metric,
      Statistic: statistic,
      Period: period,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: comparison ?? 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: actions,
    },
  };
}

function functionName(fn) {
  return { Ref: `${logicalName(fn)}LambdaFunction` };
}

/** Alarms and the dashboard, for the functions and paths this package deploys. */
async function functionAlarms({ resolveVariable }) {
  const actions = await alarmActions({ resolveVariable });
  const p = await params(resolveVariable, [
    'snsHttpsTopicArns',
    'firehoseDeliveryStreamName',
    'intakeMaxAgeSeconds',
    'dedupeTable',
  ]);
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const ruleName = `${service}-${stage}-ses-events`;
  const resources = {};
  for (const fn of FUNCTIONS) {
    const dims = { Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: functionName(fn) }] };
    resources[`${pascal(fn)}ErrorsAlarm`] = alarm(
      `${fn} invocations failed (configuration, a destination that keeps failing, or a bug): read its log group`,
      { ...dims, MetricName: 'Errors' },
      actions,
      { period: 60 },
    );
    resources[`${pascal(fn)}ThrottlesAlarm`] = alarm(
      `${fn} invocations were throttled (reserved or account concurrency reached)`,
      { ...dims, MetricName: 'Throttles' },
      actions,
      { period: 60 },
    );
  }
  const maxAge = Number((await param(resolveVariable, 'intakeMaxAgeSeconds', '')) || 900);
  resources.IntakeOldestMessageAlarm = alarm(
    `The oldest intake message waited more than ${maxAge} s: route-sqs is failing, throttled or behind`,
    {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['IntakeQueue', 'QueueName'] } }],
    },
    actions,
    { threshold: maxAge, period: 60, statistic: 'Maximum' },
  );
  resources.RecordsParkedAlarm = alarm(
    'The bridge parked records (invalid, unmatched under "fail", too large or refused by a destination)',
    { Namespace: NAMESPACE, MetricName: 'RecordsParked', Dimensions: [SERVICE] },
    actions,
  );
  resources.PublishFailuresAlarm = alarm(
    "Publishing to a delegate's topic failed (retried or parked): check the topic, its policy and its key",
    { Namespace: NAMESPACE, MetricName: 'PublishFailures', Dimensions: [SERVICE] },
    actions,
  );
  resources.EventBridgeFailedInvocationsAlarm = alarm(
    'EventBridge could not invoke route-eventbridge; the events are in the async-failures queue',
    { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: ruleName }] },
    actions,
    { period: 60 },
  );
  if (p.snsHttpsTopicArns.trim() !== '') {
    resources.SnsHttpsUrl5xxAlarm = alarm(
      'The sns-https function URL answered 5xx: SNS retries, then drops the message after its retry policy',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Url5xxCount',
        Dimensions: [{ Name: 'FunctionName', Value: functionName('sns-https') }],
      },
      actions,
      { period: 60 },
    );
  }
  if (p.firehoseDeliveryStreamName !== '') {
    resources.FirehoseProcessingAlarm = alarm(
      'Firehose data transformation by route-firehose failed; records went to the processing-failed S3 prefix',
      {
        Namespace: 'AWS/Firehose',
        MetricName: 'ExecuteProcessing.Success',
        Dimensions: [{ Name: 'DeliveryStreamName', Value: p.firehoseDeliveryStreamName }],
      },
      actions,
      { threshold: 1, statistic: 'Minimum', comparison: 'LessThanThreshold' },
    );
  }
  if (p.dedupeTable === 'true') {
    resources.DedupeTableErrorsAlarm = alarm(
      'The de-duplication table did not answer: records went out unchecked (copies possible) or, under dedupeOnUnavailable=retry, were held back',
      { Namespace: NAMESPACE, MetricName: 'DedupeTableErrors', Dimensions: [SERVICE] },
      actions,
    );
  }
  resources.Dashboard = dashboard(`${service}-${stage}`, p.dedupeTable === 'true');
  return { Resources: resources };
}

function widget(title, metrics, extra = {}) {
  return { type: 'metric', width: 12, height: 6, properties: { title, region: '${AWS::Region}', metrics, ...extra } };
}

/**
 * The CloudWatch dashboard: per route delivered, dropped, parked; publish failures; ages; errors; durations; and,
 * with the de-duplication table, copies suppressed per route and the table's errors.
 */
function dashboard(name, dedupe) {
  const fns = FUNCTIONS.map((fn) => `\${${logicalName(fn)}LambdaFunction}`);
  const byFunction = (metric, stat) => fns.map((fn) => ['AWS/Lambda', metric, 'FunctionName', fn, { stat }]);
  const emf = (metric) => [NAMESPACE, metric, 'service', SERVICE.Value, { stat: 'Sum' }];
  const body = {
    widgets: [
      widget('Delivered per route and type', [
        [
          {
            expression: `SEARCH('{${NAMESPACE},route,service,type} MetricName="RecordsRouted"', 'Sum', 300)`,
            id: 'routed',
          },
        ],
      ]),
      widget('Received, dropped (unmatched), parked, publish failures', [
        emf('RecordsReceived'),
        emf('RecordsUnmatchedDropped'),
        emf('RecordsParked'),
        emf('PublishFailures'),
        emf('ItemsRetried'),
      ]),
      widget('Queue ages (s)', [
        ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', '${IntakeQueue.QueueName}', { stat: 'Maximum' }],
        ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', '${ParkedQueue.QueueName}', { stat: 'Maximum' }],
      ]),
      widget('Messages waiting', [
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${IntakeQueue.QueueName}', { stat: 'Maximum' }],
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          '${IntakeDeadLetterQueue.QueueName}',
          { stat: 'Maximum' },
        ],
        [
          'AWS/SQS',
          'ApproximateNumberOfMessagesVisible',
          'QueueName',
          '${AsyncFailureQueue.QueueName}',
          { stat: 'Maximum' },
        ],
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', '${ParkedQueue.QueueName}', { stat: 'Maximum' }],
      ]),
      widget('Function errors and throttles', [...byFunction('Errors', 'Sum'), ...byFunction('Throttles', 'Sum')]),
      widget('Function durations (p99, ms)', byFunction('Duration', 'p99')),
      ...(dedupe
        ? [
            widget('De-duplication: copies suppressed per route, table errors', [
              [
                {
                  expression: `SEARCH('{${NAMESPACE},route,service} MetricName="DuplicatesSuppressed"', 'Sum', 300)`,
                  id: 'suppressed',
                },
              ],
              emf('DedupeTableErrors'),
            ]),
          ]
        : []),
    ],
  };
  return {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: { DashboardName: name, DashboardBody: { 'Fn::Sub': JSON.stringify(body) } },
  };
}

/** AlarmActions of every alarm: the alarm topic, or none (with a warning: nobody would be told). */
async function alarmActions({ resolveVariable }) {
  const topic = await param(resolveVariable, 'alarmTopicArn', '');
  if (topic === '') {
    warnOnce(
      'param alarmTopicArn is empty: the alarms will change state but notify nobody (set it to an SNS topic ARN)',
    );
    return [];
  }
  return checkTopics([topic], 'param alarmTopicArn');
}

module.exports = { alarmActions, functionAlarms, FUNCTIONS };
