import type { ContextWindowOptions } from '../ports/context-cache.js';
import type { Tenant } from '../tenancy/index.js';

/** A cached window outlives no conversation's memory, and no day: a quiet conversation is read from the database again. */
const MAX_WINDOW_TTL_MS = 24 * 60 * 60 * 1000;

/** How a tenant's conversations are cached: the entries its model sees (`memory.max_turns` pairs), for at most a day. */
export function contextWindowFor(tenant: Tenant): ContextWindowOptions {
  return { maxEntries: tenant.config.memory.max_turns * 2, ttlMs: Math.max(1, Math.min(tenant.memoryTtlMs, MAX_WINDOW_TTL_MS)) };
}
