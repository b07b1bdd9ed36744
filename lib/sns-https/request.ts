/**
 * The HTTP side of the intake: reading a Lambda function URL / HTTP API (payload v2) event, building responses,
 * and HTTP basic auth.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isObject } from '#lib/json';

/** An HTTP request as the intake sees it: header names lower-cased, body decoded to text. */
export interface HttpRequest {
  method: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** What a function URL / HTTP API handler returns. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Reads a function URL or HTTP API payload v2 event (`requestContext.http.method`, `headers`, `body`,
 * `isBase64Encoded`); a REST API / payload v1 event (`httpMethod`) is read too. Function URLs already lower-case
 * header names; they are lower-cased again so any caller can be trusted.
 */
export function requestFromEvent(event: unknown): HttpRequest {
  const e = isObject(event) ? event : {};
  const ctx = isObject(e.requestContext) ? e.requestContext : {};
  const http = isObject(ctx.http) ? ctx.http : {};
  const method = typeof http.method === 'string' ? http.method : typeof e.httpMethod === 'string' ? e.httpMethod : '';
  const headers: Record<string, string> = {};
  if (isObject(e.headers)) {
    for (const [name, value] of Object.entries(e.headers))
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  let body = typeof e.body === 'string' ? e.body : '';
  if (e.isBase64Encoded === true) body = Buffer.from(body, 'base64').toString('utf8');
  return { method: method.toUpperCase(), headers, body };
}

/** A JSON response `{code, reason}`: what SNS's delivery logs and an operator's curl show. */
export function jsonResponse(
  statusCode: number,
  code: string,
  reason: string,
  extraHeaders: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...extraHeaders },
    body: JSON.stringify({ code, reason }),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when the Authorization header carries exactly these basic auth credentials. Compared in constant time over
 * digests so neither the length nor the content leaks through timing. (SNS sends the credentials given in the
 * subscription's endpoint URL, https://user:password@host/...)
 */
export function basicAuthMatches(header: string | undefined, expected: { user: string; password: string }): boolean {
  if (header === undefined) return false;
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header);
  if (m === null) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(expected.password));
  return userOk && passwordOk;
}
