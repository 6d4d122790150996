/** The limits Switchboard enforces. Each name is its own set of counters, so names never share counts. */
export type RateLimitName = 'turns_per_minute' | 'tokens_per_day' | 'sends_per_second';

export const RATE_LIMIT_NAMES: readonly RateLimitName[] = ['turns_per_minute', 'tokens_per_day', 'sends_per_second'];

/**
 * How much a subject may take: `points` per window of `durationMs`. Set per tenant (tenant files), so
 * every call says it. Windows are whole seconds (the store's unit): `durationMs` is rounded up.
 */
export interface RateCapacity {
  /** Points per window; a whole number of at least 1. */
  points: number;
  /** Window length in milliseconds; at least 1, rounded up to whole seconds. */
  durationMs: number;
}

/** What a limit allows now. */
export interface RateDecision {
  allowed: boolean;
  /** 0 when allowed; otherwise how long to wait before trying again, > 0 and at most the window (or the block). */
  retryAfterMs: number;
}

/** What one call is about: the subject within the tenant and the capacity that applies to it. */
export interface RateRequest {
  /** What is counted inside the tenant: the tenant itself (default) or one of its phone number ids. */
  subject?: string;
  /**
   * Points this call takes (consume) or would take (peek), default 1: a whole number from 1 to
   * `capacity.points` (more could never be allowed, so it throws a RangeError).
   */
  points?: number;
  capacity: RateCapacity;
}

/**
 * Named, per-tenant rate limits. Windows are fixed: one starts with the first point taken and its count
 * is gone when it ends, so up to twice the capacity can pass across the end of one window and the start
 * of the next.
 *
 * Guarantees:
 * - Isolation: counts and blocks are per (tenant, limit name, subject); one tenant, limit or phone
 *   number never uses up another's.
 * - Atomicity: concurrent `consume`s (across processes for a shared adapter) never allow more than
 *   `capacity.points` in one window.
 * - A refused `consume` takes nothing: a request allowed is one that fits in what is left.
 * - Nothing is dropped here: a refusal says when to retry, and the caller delays the work (a turn
 *   or a send is rescheduled, not discarded).
 * - Capacity is per call (tenant files differ): each capacity counts on its own, so a tenant whose
 *   capacity was edited starts fresh windows. Blocks (`penalize`) hold whatever the capacity.
 */
export interface RateLimiter {
  /** Takes `points` (default 1) when they fit in what is left of the window and no block is on; otherwise takes nothing. */
  consume(tenantId: string, limit: RateLimitName, request: RateRequest): Promise<RateDecision>;
  /** Whether `points` (default 1) would be allowed now. Takes nothing. */
  peek(tenantId: string, limit: RateLimitName, request: RateRequest): Promise<RateDecision>;
  /**
   * Adds `points` that were spent regardless of the limit (a model call's tokens, known only after it),
   * even past the capacity: later `peek`s and `consume`s in the window are refused until it ends.
   * `points` here may be 0 (nothing is recorded).
   */
  record(tenantId: string, limit: RateLimitName, request: RateRequest & { points: number }): Promise<void>;
  /**
   * Refuses every `consume` of the subject for `blockMs` (rounded up to whole seconds), e.g. after
   * WhatsApp answered 429 / 130429 / 131056, so sends slow down instead of failing. A block is never
   * shortened by a later, shorter one.
   */
  penalize(tenantId: string, limit: RateLimitName, options: { subject?: string; blockMs: number }): Promise<void>;
}
