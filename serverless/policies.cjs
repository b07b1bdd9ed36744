'use strict';
// Policy statements every topic and queue policy of the stack carries.

/** Refuses any request to the queue made without TLS (aws:SecureTransport false). */
function denyInsecureQueue(queueArn) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sqs:*',
    Resource: queueArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Refuses publishing to the topic without TLS (aws:SecureTransport false). */
function denyInsecureTopic(topicArn) {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sns:Publish',
    Resource: topicArn,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

module.exports = { denyInsecureQueue, denyInsecureTopic };
