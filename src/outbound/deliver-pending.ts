import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { Outbox } from '../ports/outbox.js';
import { SwitchboardError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { Metrics } from '../ops/index.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { GraphClient } from './graph-client.js';

export interface DeliverDependencies {
  outbox: Outbox;
  graph: GraphClient;
  tenants: () => TenantRegistry;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Live events for the operators' screens (each message sent); none when absent. */
  events?: EventBus;
  /** Paces sends per phone number (`whatsapp.max_sends_per_second`, shared by every process); unpaced when absent. */
  limiter?: RateLimiter;
}

/** What a delivery run did: messages sent, and when to run again if it stopped to wait (pacing, Meta's rate limits). */
export interface DeliveryOutcome {
  sent: number;
  /** Unix ms: the rest waits until then (the job is deferred, not failed). Null when nothing is left. */
  deferUntil: number | null;
}

/** How long a number stays paused after Meta answered 429 / 130429 (throughput): Meta asks for a few seconds. */
export const THROUGHPUT_PAUSE_MS = 6000;
/** The least wait after 131056 (one message per 6 s to one user). */
export const PAIR_RATE_PAUSE_MS = 6000;

/**
 * Sends one recipient's pending messages, oldest first. A retryable failure stops the run and is
 * thrown, so the job retries later with the remaining messages still in order; a permanent one
 * (131047, 131026, a bad token...) marks that message failed and goes on with the next.
 */
export async function deliverPending(deps: DeliverDependencies, tenantId: string, recipientId: string): Promise<DeliveryOutcome> {
  const { outbox, graph, clock, log, metrics } = deps;
  const tenant = deps.tenants().byId(tenantId);
  let sent = 0;
  for (;;) {
    const batch = await outbox.pending(tenantId, recipientId, BATCH);
    if (batch.length === 0) return { sent, deferUntil: null };
    for (const message of batch) {
      if (!tenant || !tenant.accessToken) {
        const detail = tenant ? 'whatsapp.access_token is unset for this tenant' : 'the tenant no longer exists';
        await outbox.markFailed(tenantId, message.id, { code: null, detail }, clock.now());
        metrics.outbound.inc({ tenant: tenantId, outcome: 'failed' });
        log.error({ tenantId, outboxId: message.id, detail }, 'message.send_impossible');
        continue;
      }
      const phoneNumberId = tenant.config.whatsapp.phone_number_id;
      const waitMs = await paceDelay(deps, tenantId, phoneNumberId, tenant.config.whatsapp.max_sends_per_second);
      if (waitMs > 0) {
        log.debug({ tenantId, phoneNumberId, waitMs }, 'message.send_paced');
        return { sent, deferUntil: clock.now() + waitMs };
      }
      try {
        const { waMessageId } = await graph.sendMessage(tenant.config.whatsapp.phone_number_id, tenant.accessToken, {
          to: message.address,
          body: message.body,
          ...(message.contextMessageId ? { contextMessageId: message.contextMessageId } : {}),
        });
        // The one unavoidable duplicate window: a crash between Meta's 200 and this single write.
        const sentAt = clock.now();
        await outbox.markSent(tenantId, message.id, waMessageId, sentAt);
        deps.events?.publish({ type: 'message.sent', tenantId, userId: recipientId, kind: message.kind, body: message.body, at: sentAt });
        sent += 1;
        metrics.outbound.inc({ tenant: tenantId, outcome: 'sent' });
        log.info({ tenantId, outboxId: message.id, kind: message.kind, to: maskPhone(recipientId), waMessageId }, 'message.sent');
      } catch (error) {
        const { code, message: detail } = describeError(error);
        const graphCode = error instanceof SwitchboardError ? (error.details?.['graphCode'] as number | null | undefined) ?? null : null;
        if (error instanceof SwitchboardError && !error.retryable) {
          await outbox.markFailed(tenantId, message.id, { code: graphCode, detail }, clock.now());
          metrics.outbound.inc({ tenant: tenantId, outcome: 'failed' });
          log.warn({ tenantId, outboxId: message.id, code, graphCode, to: maskPhone(recipientId) }, 'message.send_failed');
          continue;
        }
        await outbox.recordAttempt(tenantId, message.id, detail, clock.now());
        const kind = error instanceof SwitchboardError ? error.details?.['kind'] : undefined;
        if (kind === 'rate_limit' || kind === 'pair_rate_limit') {
          // Meta asked us to slow down: this number (throughput) or this recipient (pair rate) waits; the message
          // keeps its place and no attempt is spent, so a busy number is slowed, never failed.
          let waitMs = PAIR_RATE_PAUSE_MS;
          if (kind === 'rate_limit') {
            waitMs = THROUGHPUT_PAUSE_MS;
            await deps.limiter
              ?.penalize(tenantId, 'sends_per_second', { subject: phoneNumberId, blockMs: waitMs })
              .catch((inner: unknown) => log.warn({ tenantId, ...describeError(inner) }, 'limits.unavailable'));
          } else {
            waitMs = Math.max(PAIR_RATE_PAUSE_MS, Number((error as SwitchboardError).details?.['minDelayMs'] ?? 0));
          }
          metrics.outbound.inc({ tenant: tenantId, outcome: 'throttled' });
          log.warn({ tenantId, outboxId: message.id, code, graphCode, kind, waitMs }, 'message.send_throttled');
          return { sent, deferUntil: clock.now() + waitMs };
        }
        metrics.outbound.inc({ tenant: tenantId, outcome: 'retried' });
        log.warn({ tenantId, outboxId: message.id, code, graphCode }, 'message.send_retrying');
        throw error;
      }
    }
    if (batch.length < BATCH) return { sent, deferUntil: null };
  }
}

/** 0 when the number may send one more message now, else how long to wait (ms). A failing limiter does not stop sends. */
async function paceDelay(deps: DeliverDependencies, tenantId: string, phoneNumberId: string, perSecond: number): Promise<number> {
  if (!deps.limiter) return 0;
  try {
    const decision = await deps.limiter.consume(tenantId, 'sends_per_second', { subject: phoneNumberId, capacity: { points: perSecond, durationMs: 1000 } });
    return decision.allowed ? 0 : decision.retryAfterMs;
  } catch (error) {
    deps.log.warn({ tenantId, ...describeError(error) }, 'limits.unavailable');
    return 0;
  }
}

const BATCH = 20;
