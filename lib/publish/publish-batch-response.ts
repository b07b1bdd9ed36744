/**
 * Reads SNS's PublishBatch success answer (awsQuery XML) without a general XML parser, giving the same output as
 * the SDK's `XmlShapeDeserializer` for the answers SNS sends: `Successful` and `Failed` lists of members whose
 * fields are plain text. Anything else (an entity or CDATA in a value, an element it does not know, a field twice,
 * an empty field, a `SenderFault` that is not `true`/`false`) gives `undefined`, and the caller hands the bytes to
 * the SDK's parser. `test/unit/publish/publish-batch-response.test.ts` checks the equality on random answers, and
 * lib/publish/sns-protocol.ts checks it again at run time before using it.
 */
import type { BatchResultErrorEntry, PublishBatchResultEntry } from '@aws-sdk/client-sns';

export interface PublishBatchResult {
  Successful?: PublishBatchResultEntry[];
  Failed?: BatchResultErrorEntry[];
}

const SUCCESS_FIELDS = new Set(['Id', 'MessageId', 'SequenceNumber']);
const FAILURE_FIELDS = new Set(['Id', 'Code', 'Message', 'SenderFault']);
const RESULT_OPEN = '<PublishBatchResult>';
const RESULT_CLOSE = '</PublishBatchResult>';
const ROOT_CLOSE = '</PublishBatchResponse>';

/** Text past XML whitespace (space, tab, CR, LF) from `at`. */
function skipSpace(xml: string, at: number): number {
  let i = at;
  for (;;) {
    const c = xml.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/**
 * Past the whitespace between two elements, or -1 when there is whitespace without a line break: the SDK's parser
 * drops only whitespace runs holding a line break and keeps any other as the element's text.
 */
function skipGap(xml: string, at: number): number {
  const end = skipSpace(xml, at);
  return end === at || xml.lastIndexOf('\n', end - 1) >= at ? end : -1;
}

/** The parsed answer, or `undefined` when the SDK's parser must read it. */
export function parsePublishBatchResponse(xml: string): PublishBatchResult | undefined {
  let at = skipSpace(xml, 0);
  if (xml.startsWith('<?xml', at)) {
    const end = xml.indexOf('?>', at);
    if (end === -1) return undefined;
    at = skipSpace(xml, end + 2);
  }
  if (!xml.startsWith('<PublishBatchResponse', at)) return undefined;
  const rootEnd = xml.indexOf('>', at);
  const afterName = xml.charCodeAt(at + '<PublishBatchResponse'.length);
  // `<PublishBatchResponse>` or `<PublishBatchResponse xmlns="...">`, not `<PublishBatchResponseX>` or `.../>`.
  if (rootEnd === -1 || xml.charCodeAt(rootEnd - 1) === 0x2f || (afterName !== 0x3e && afterName !== 0x20)) {
    return undefined;
  }
  at = skipGap(xml, rootEnd + 1);
  if (at === -1 || !xml.startsWith(RESULT_OPEN, at)) return undefined;
  at += RESULT_OPEN.length;
  const result: PublishBatchResult = {};
  let successful: PublishBatchResultEntry[] | undefined;
  let failed: BatchResultErrorEntry[] | undefined;
  for (;;) {
    at = skipGap(xml, at);
    if (at === -1) return undefined;
    if (xml.startsWith(RESULT_CLOSE, at)) break;
    const list = xml.startsWith('<Successful', at) ? 'Successful' : xml.startsWith('<Failed', at) ? 'Failed' : null;
    if (list === null || (list === 'Successful' ? successful : failed) !== undefined) return undefined;
    const read = readList(xml, at, list);
    if (read === undefined) return undefined;
    at = read.end;
    if (list === 'Successful') successful = read.members.map(successEntry);
    else {
      const entries: BatchResultErrorEntry[] = [];
      for (const member of read.members) {
        const entry = failureEntry(member);
        if (entry === undefined) return undefined;
        entries.push(entry);
      }
      failed = entries;
    }
  }
  // The SDK reads only the result; the rest must still be a well-formed end of the document.
  const tail = xml.lastIndexOf(ROOT_CLOSE);
  if (tail < at || skipSpace(xml, tail + ROOT_CLOSE.length) !== xml.length) return undefined;
  if (successful !== undefined) result.Successful = successful;
  if (failed !== undefined) result.Failed = failed;
  return result;
}

type Member = Map<string, string>;

/** `<List/>`, `<List></List>` or `<List><member>...</member>...</List>` from `at`. */
function readList(xml: string, start: number, name: string): { members: Member[]; end: number } | undefined {
  let at = start + name.length + 1;
  if (xml.startsWith('/>', at)) return { members: [], end: at + 2 };
  if (xml.charCodeAt(at) !== 0x3e) return undefined;
  at++;
  const close = `</${name}>`;
  const fields = name === 'Successful' ? SUCCESS_FIELDS : FAILURE_FIELDS;
  const members: Member[] = [];
  for (;;) {
    at = skipGap(xml, at);
    if (at === -1) return undefined;
    if (xml.startsWith(close, at)) return { members, end: at + close.length };
    if (!xml.startsWith('<member>', at)) return undefined;
    at += '<member>'.length;
    const member: Member = new Map();
    for (;;) {
      at = skipGap(xml, at);
      if (at === -1) return undefined;
      if (xml.startsWith('</member>', at)) {
        at += '</member>'.length;
        break;
      }
      if (xml.charCodeAt(at) !== 0x3c) return undefined;
      const nameEnd = xml.indexOf('>', at);
      if (nameEnd === -1) return undefined;
      const field = xml.slice(at + 1, nameEnd);
      if (!fields.has(field) || member.has(field)) return undefined;
      const textEnd = xml.indexOf('<', nameEnd + 1);
      const text = xml.slice(nameEnd + 1, textEnd);
      // An entity, or text of whitespace alone (the SDK's parser may drop it), is left to the SDK.
      if (textEnd === -1 || text.trim() === '' || text.includes('&') || !xml.startsWith(`</${field}>`, textEnd)) {
        return undefined;
      }
      member.set(field, text);
      at = textEnd + field.length + 3;
    }
    members.push(member);
  }
}

/** In the schema's member order, as the SDK builds it. */
function successEntry(member: Member): PublishBatchResultEntry {
  const entry: PublishBatchResultEntry = {};
  const id = member.get('Id');
  const messageId = member.get('MessageId');
  const sequenceNumber = member.get('SequenceNumber');
  if (id !== undefined) entry.Id = id;
  if (messageId !== undefined) entry.MessageId = messageId;
  if (sequenceNumber !== undefined) entry.SequenceNumber = sequenceNumber;
  return entry;
}

function failureEntry(member: Member): BatchResultErrorEntry | undefined {
  const entry: Partial<BatchResultErrorEntry> = {};
  const id = member.get('Id');
  const code = member.get('Code');
  const senderFault = member.get('SenderFault');
  const message = member.get('Message');
  if (id !== undefined) entry.Id = id;
  if (code !== undefined) entry.Code = code;
  if (senderFault !== undefined) {
    if (senderFault !== 'true' && senderFault !== 'false') return undefined;
    entry.SenderFault = senderFault === 'true';
  }
  if (message !== undefined) entry.Message = message;
  return entry as BatchResultErrorEntry;
}
