/**
 * SNS topic ARNs: `arn:<partition>:sns:<region>:<account>:<name>`, name up to 256 of [A-Za-z0-9_-] plus `.fifo` for
 * FIFO topics (IAM user guide, "Amazon Resource Names"; SNS API reference, CreateTopic). The one parser every part
 * of the bridge uses; callers that take standard topics only check `fifo`.
 */

const SNS_TOPIC_ARN = /^arn:(aws(?:-[a-z]+)*):sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256})(\.fifo)?$/;

export interface TopicArn {
  partition: string;
  region: string;
  accountId: string;
  /** The topic name, `.fifo` included for a FIFO topic. */
  name: string;
  fifo: boolean;
}

/** The parts of an SNS topic ARN, or null when the text is not one. */
export function parseSnsTopicArn(value: string): TopicArn | null {
  const m = SNS_TOPIC_ARN.exec(value);
  if (m === null) return null;
  const fifo = m[5] !== undefined;
  return { partition: m[1]!, region: m[2]!, accountId: m[3]!, name: fifo ? `${m[4]}.fifo` : m[4]!, fifo };
}

/**
 * The parts of a standard (not FIFO) SNS topic ARN, or null: the only kind SES notifies ("SES does not support FIFO
 * type topics", configure-sns-notifications) and the bridge publishes to (it sends no MessageGroupId).
 */
export function parseStandardTopicArn(value: string): TopicArn | null {
  const topic = parseSnsTopicArn(value);
  return topic !== null && !topic.fifo ? topic : null;
}

/** True for a standard (not FIFO) SNS topic ARN. */
export function isStandardTopicArn(value: string): boolean {
  return parseStandardTopicArn(value) !== null;
}
