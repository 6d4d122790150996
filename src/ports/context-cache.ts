import type { HistoryEntry } from './conversation-store.js';

/** How a cached window is kept: at most `maxEntries` newest entries, dropped `ttlMs` after the last write. */
export interface ContextWindowOptions {
  /** Entries kept (the newest); e.g. 2 × the tenant's `memory.max_turns`. At least 1. */
  maxEntries: number;
  /** Time to live in milliseconds, restarted by every `fill` and `append`. At least 1. */
  ttlMs: number;
}

/**
 * A copy of the recent history of one tenant and user, so that a turn need not read the database.
 * The database (ConversationStore.history) stays the record; a window may vanish at any time (TTL,
 * eviction, restart) and `get` then answers null: read the database and `fill`.
 *
 * Guarantees:
 * - Isolation: a window belongs to one (tenant, user) pair; no call ever reads or changes another's,
 *   whatever characters the ids contain.
 * - Completeness: a window only starts from `fill` (the database's newest entries) and `append` only
 *   extends a window that exists, so a window is never a partial tail mistaken for the whole history.
 * - Order: entries come back oldest first, in the order they were filled and appended.
 * - Freshness: `get` with `sinceMs` never returns an entry created before it; pass the conversation's
 *   `sessionStartedAt`, so history from before a ttl reset is never shown to the model.
 * - Atomicity: `fill` and `append` each replace or extend, trim and re-arm the TTL in one step.
 *
 * Writers: every commit that adds history to a conversation `append`s after the commit; anything
 * else changing or removing history (an admin reset) `invalidate`s. An empty history is not cached
 * (`get` stays null), so a conversation's first turns read the database.
 */
export interface ContextCache {
  /**
   * The cached window, oldest first, or null when none is cached. `sinceMs` (Unix ms) drops entries
   * created before it; `limit` keeps only the newest `limit` of the rest.
   */
  get(tenantId: string, userId: string, options?: { sinceMs?: number; limit?: number }): Promise<HistoryEntry[] | null>;
  /** Replaces the window with `entries` (oldest first, as read from the database), keeping the newest `maxEntries`. */
  fill(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void>;
  /**
   * Adds `entries` (oldest first) to the end of an existing window, keeps its newest `maxEntries` and
   * restarts its TTL. Does nothing when no window is cached (the next `get` misses and refills).
   */
  append(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void>;
  /** Drops the window, if any. */
  invalidate(tenantId: string, userId: string): Promise<void>;
}
