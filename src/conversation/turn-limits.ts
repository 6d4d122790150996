import type { RateLimiter } from '../ports/rate-limiter.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Tenant } from '../tenancy/index.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The tenant's daily model-token budget as a rate-limiter capacity. */
export function tokenCapacity(tenant: Tenant) {
  return { points: tenant.config.limits.model_tokens_per_day, durationMs: DAY_MS };
}

/**
 * Whether the tenant may run one more turn now: its model tokens of the day are peeked (a turn's cost is known
 * only after the call, so the budget stops the turns after the one that crossed it), then one of its
 * `turns_per_minute` is taken. Returns 0 when the turn may run, else how long to wait (ms): the caller defers the
 * turn (queued, never dropped). A limiter that fails lets the turn run: limits share capacity fairly, they do
 * not guard data, and a Redis outage must not stop every conversation.
 */
export async function turnLimitDelay(limiter: RateLimiter, tenant: Tenant, log: Logger, turnWindowMs = MINUTE_MS): Promise<number> {
  try {
    const tokens = await limiter.peek(tenant.id, 'tokens_per_day', { capacity: tokenCapacity(tenant) });
    if (!tokens.allowed) {
      log.info({ tenantId: tenant.id, limit: 'model_tokens_per_day', retryAfterMs: tokens.retryAfterMs }, 'turn.deferred');
      return tokens.retryAfterMs;
    }
    const turns = await limiter.consume(tenant.id, 'turns_per_minute', { capacity: { points: tenant.config.limits.turns_per_minute, durationMs: turnWindowMs } });
    if (!turns.allowed) {
      log.info({ tenantId: tenant.id, limit: 'turns_per_minute', retryAfterMs: turns.retryAfterMs }, 'turn.deferred');
      return turns.retryAfterMs;
    }
  } catch (error) {
    log.warn({ tenantId: tenant.id, ...describeError(error) }, 'limits.unavailable');
  }
  return 0;
}
