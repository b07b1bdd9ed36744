/**
 * The intake end to end, with every effect injected: decide, then confirm / log / hand the notification to the
 * pipeline, and map the result to the HTTP status SNS acts on (2xx done, 4xx never retried, 5xx retried).
 */
import type { Context } from 'aws-lambda';
import { ConfigError, describeError } from '#lib/errors';
import { redactAddresses, redactFields } from '#lib/logger';
import type { CertificateStore } from '#lib/sns-https/certs';
import type { SnsHttpsConfig } from '#lib/sns-https/config';
import { type ConfirmSubscription, isPermanentConfirmError } from '#lib/sns-https/confirm';
import { decide, type NotifyDecision } from '#lib/sns-https/decide';
import type { ReplayGuard } from '#lib/sns-https/replay';
import { type HttpRequest, type HttpResponse, jsonResponse } from '#lib/sns-https/request';

/** What the routing pipeline did with a notification: 'retry' makes SNS redeliver it (HTTP 500). */
export type NotificationOutcome = 'delivered' | 'retry';

/** What of the Lambda context the intake passes on: the function's ARN completes a bare PARKING_TOPIC name. */
export type InvocationContext = Pick<Context, 'invokedFunctionArn'>;

/**
 * Hands a verified notification (its signed fields only) or an authenticated raw-delivery post to
 * normalize/route/publish. Throws ConfigError when the bridge cannot be configured: the invocation then fails.
 */
export type OnNotification = (post: NotifyDecision, context?: InvocationContext) => Promise<NotificationOutcome>;

/** The subset of the Powertools logger the intake uses. Extra fields never include the message body. */
export interface IntakeLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface SnsHttpsDeps {
  config: SnsHttpsConfig;
  certs: CertificateStore;
  confirm: ConfirmSubscription;
  onNotification: OnNotification;
  logger: IntakeLogger;
  /** Clock in milliseconds (tests fix it). */
  now?: () => number;
  /** Message ids already delivered by this container; a repeat is acknowledged without publishing again. */
  recent?: RecentMessageIds;
  /** The same across containers, through the de-duplication table (./replay.ts), when the stack deploys it. */
  replay?: ReplayGuard;
}

/**
 * A bounded set of recently delivered MessageIds. SNS delivers at least once and keeps the MessageId on retries
 * (sns-message-and-json-formats); within the Timestamp window this stops a repeat from being published twice by
 * the same container. Best effort: other containers have their own.
 */
export class RecentMessageIds {
  private readonly ids = new Set<string>();
  constructor(readonly max = 1000) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
  }
}

/**
 * Handles one HTTP request from SNS (or from anyone pretending to be SNS). Throws only a ConfigError (the bridge
 * cannot be configured: parking topic, routes, secret): the invocation fails, so Lambda's Errors metric and the
 * alarm on it see it, where a 500 answer would count as a successful invocation. SNS retries either way.
 */
export async function handleSnsHttpsRequest(
  req: HttpRequest,
  deps: SnsHttpsDeps,
  context?: InvocationContext,
): Promise<HttpResponse> {
  const now = deps.now?.() ?? Date.now();
  // Reasons quote what the post says (a topic header, a key, a certificate URL): whoever posts chooses it, so
  // whatever looks like an address is masked in the logs and the answer (SNS delivery logs record the answer).
  const log: IntakeLogger = {
    info: (message, extra) => deps.logger.info(message, redactFields(extra)),
    warn: (message, extra) => deps.logger.warn(message, redactFields(extra)),
    error: (message, extra) => deps.logger.error(message, redactFields(extra)),
  };
  let decision: Awaited<ReturnType<typeof decide>>;
  try {
    decision = await decide(req, deps.config, deps.certs, now);
  } catch (err) {
    log.error('SNS HTTPS request could not be checked', { error: describeError(err) });
    return jsonResponse(500, 'internal_error', 'the request could not be checked; SNS will retry it');
  }

  switch (decision.action) {
    case 'reject': {
      const fields = {
        code: decision.code,
        status: decision.status,
        reason: decision.reason,
        topicArn: decision.topicArn,
        messageId: decision.messageId,
      };
      if (decision.status >= 500) log.error('SNS HTTPS post not accepted yet', fields);
      else log.warn('SNS HTTPS post rejected', fields);
      const extra: Record<string, string> =
        decision.status === 401 ? { 'www-authenticate': 'Basic realm="ses-bridge", charset="UTF-8"' } : {};
      return jsonResponse(decision.status, decision.code, redactAddresses(decision.reason), extra);
    }

    case 'confirm': {
      const { TopicArn: topicArn, MessageId: messageId, Token: token } = decision.message;
      try {
        const { subscriptionArn } = await deps.confirm(topicArn, token!);
        log.info('SNS subscription confirmed', {
          topicArn,
          messageId,
          subscriptionArn,
          authenticateOnUnsubscribe: true,
        });
        return jsonResponse(
          200,
          'confirmed',
          `subscription to ${topicArn} confirmed with AuthenticateOnUnsubscribe=true`,
        );
      } catch (err) {
        const permanent = isPermanentConfirmError(err);
        // An SNS error message may quote what the request carried: the answer goes back to the caller unredacted
        // otherwise.
        const reason = redactAddresses(`ConfirmSubscription for ${topicArn} failed: ${describeError(err)}`);
        log.error('SNS subscription not confirmed', {
          topicArn,
          messageId,
          error: describeError(err),
          errorName: err instanceof Error ? err.name : null,
          retried: !permanent,
        });
        return permanent ? jsonResponse(400, 'confirm_rejected', reason) : jsonResponse(500, 'confirm_failed', reason);
      }
    }

    case 'ignore-unsubscribe': {
      // Never acted on: re-confirming would re-subscribe an endpoint its owner just removed, and visiting the
      // SubscribeURL is exactly the blind fetch this intake refuses to make.
      const { TopicArn: topicArn, MessageId: messageId } = decision.message;
      log.warn('SNS UnsubscribeConfirmation received: logged, not acted on', { topicArn, messageId });
      return jsonResponse(200, 'ignored', `UnsubscribeConfirmation for ${topicArn} logged and not acted on`);
    }

    case 'notify': {
      const topicArn = decision.raw ? decision.topicArn : decision.message.TopicArn;
      const messageId = decision.raw ? decision.messageId : decision.message.MessageId;
      // Only signed message ids are trusted for de-duplication; a raw-delivery header id could be chosen by anyone
      // holding the basic auth credentials.
      if (!decision.raw && deps.recent?.has(messageId!)) {
        log.info('SNS notification already delivered by this container: acknowledged again', { topicArn, messageId });
        return jsonResponse(200, 'duplicate', `message ${messageId} was already delivered`);
      }
      const claimed = decision.raw ? undefined : await claimReplay(deps, log, topicArn!, messageId!, now);
      if (claimed !== undefined && claimed !== 'first') return claimed;
      const settle = (delivered: boolean) =>
        claimed === 'first'
          ? deps.replay?.settle(topicArn!, messageId!, delivered, deps.now?.() ?? Date.now())
          : undefined;
      let outcome: NotificationOutcome;
      try {
        outcome = await deps.onNotification(decision, context);
      } catch (err) {
        await settle(false);
        if (err instanceof ConfigError) throw err;
        log.error('SNS notification processing failed', {
          topicArn,
          messageId,
          raw: decision.raw,
          error: describeError(err),
        });
        return jsonResponse(500, 'retry', 'the notification could not be processed; SNS will retry it');
      }
      await settle(outcome === 'delivered');
      if (outcome === 'retry') {
        log.warn('SNS notification to be retried', { topicArn, messageId, raw: decision.raw });
        return jsonResponse(500, 'retry', 'publishing failed for some records; SNS will retry the notification');
      }
      if (!decision.raw) deps.recent?.add(messageId!);
      log.info('SNS notification delivered', { topicArn, messageId, raw: decision.raw });
      return jsonResponse(200, 'delivered', `message ${messageId ?? '(raw delivery)'} delivered`);
    }

    default: {
      const never: never = decision;
      throw new Error(`unhandled decision ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The cross-container replay check of a signed notification: 'first' (process it, then settle the claim), or the
 * answer for a copy: 200 when a copy was delivered, 5xx while one is in flight (SNS retries it later), and when the
 * table does not answer, 5xx under DEDUPE_ON_UNAVAILABLE=retry, else 'first' without a claim (processed anyway).
 */
async function claimReplay(
  deps: SnsHttpsDeps,
  log: IntakeLogger,
  topicArn: string,
  messageId: string,
  now: number,
): Promise<'first' | HttpResponse | undefined> {
  if (deps.replay === undefined) return undefined;
  const claim = await deps.replay.claim(topicArn, messageId, now);
  switch (claim.kind) {
    case 'first':
      return 'first';
    case 'delivered':
      log.info('SNS notification already delivered by another container: acknowledged again', {
        topicArn,
        messageId,
      });
      deps.recent?.add(messageId);
      return jsonResponse(200, 'duplicate', `message ${messageId} was already delivered`);
    case 'in-flight':
      log.warn('SNS notification is being processed by another container: to be retried', { topicArn, messageId });
      return jsonResponse(
        500,
        'in_flight',
        `message ${messageId} is being processed by another container; SNS will retry it`,
      );
    case 'unavailable': {
      const retry = claim.onUnavailable === 'retry';
      log.error('the de-duplication table did not answer the replay check', {
        topicArn,
        messageId,
        error: describeError(claim.error),
        outcome: retry ? 'answered 5xx, SNS will retry' : 'processed without the check',
      });
      if (!retry) return undefined;
      return jsonResponse(500, 'replay_check_unavailable', 'the replay check did not answer; SNS will retry it');
    }
  }
}
