import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateCapacity, RateDecision, RateLimiter, RateLimitName, RateRequest } from '../../ports/rate-limiter.js';

/** Builds one rate-limiter-flexible limiter (memory or Redis) with these options; `duration` is in seconds. */
export type CreateFlexibleLimiter = (options: { keyPrefix: string; points: number; duration: number }) => RateLimiterAbstract;

/**
 * A refused consume gives its points back, unless its window ends within this margin: a refund landing
 * after the window ended would open the next window with a negative count (extra capacity). Leaving
 * the points in a window that is about to end costs nothing.
 */
const REFUND_MARGIN_MS = 250;

const ALLOWED: RateDecision = { allowed: true, retryAfterMs: 0 };

/**
 * The RateLimiter port over rate-limiter-flexible, for any of its stores. Counters are fixed windows,
 * one limiter per (limit, capacity), created on first use and kept; blocks are a second limiter per
 * limit, so they hold whatever capacity a later call names.
 */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly counters = new Map<string, RateLimiterAbstract>();
  private readonly blockers = new Map<RateLimitName, RateLimiterAbstract>();

  /** `keyPrefix` starts every store key: `<keyPrefix>:<limit>:<points>p<seconds>s:<tenantId>:<subject>`. */
  constructor(
    private readonly createLimiter: CreateFlexibleLimiter,
    private readonly keyPrefix: string,
  ) {}

  async consume(tenantId: string, limit: RateLimitName, request: RateRequest): Promise<RateDecision> {
    const points = checkRequest(request, request.points ?? 1, true);
    const subject = request.subject ?? tenantId;
    const blockedMs = await this.blockedMs(tenantId, limit, subject);
    if (blockedMs > 0) return { allowed: false, retryAfterMs: blockedMs };
    const counter = this.counter(limit, request.capacity);
    const key = subjectKey(tenantId, subject);
    try {
      await counter.consume(key, points);
      return ALLOWED;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal; // a store failure, not a refusal
      if (refusal.msBeforeNext > REFUND_MARGIN_MS) await counter.reward(key, points);
      return { allowed: false, retryAfterMs: clampRetry(refusal.msBeforeNext, windowMs(request.capacity)) };
    }
  }

  async peek(tenantId: string, limit: RateLimitName, request: RateRequest): Promise<RateDecision> {
    const points = checkRequest(request, request.points ?? 1, true);
    const subject = request.subject ?? tenantId;
    const blockedMs = await this.blockedMs(tenantId, limit, subject);
    if (blockedMs > 0) return { allowed: false, retryAfterMs: blockedMs };
    const state = await this.counter(limit, request.capacity).get(subjectKey(tenantId, subject));
    // The memory store keeps an ended window until its timer fires: its time left is then ≤ 0.
    if (!state || state.msBeforeNext <= 0) return ALLOWED;
    if (state.consumedPoints + points <= request.capacity.points) return ALLOWED;
    return { allowed: false, retryAfterMs: clampRetry(state.msBeforeNext, windowMs(request.capacity)) };
  }

  async record(tenantId: string, limit: RateLimitName, request: RateRequest & { points: number }): Promise<void> {
    if (request.points === 0) return; // a call that reported no usage
    const points = checkRequest(request, request.points, false);
    // rate-limiter-flexible's `penalty` adds points without refusing: spent is spent.
    await this.counter(limit, request.capacity).penalty(subjectKey(tenantId, request.subject ?? tenantId), points);
  }

  async penalize(tenantId: string, limit: RateLimitName, options: { subject?: string; blockMs: number }): Promise<void> {
    if (!Number.isFinite(options.blockMs) || options.blockMs <= 0) {
      throw new RangeError(`blockMs must be a number of milliseconds > 0, got ${options.blockMs}`);
    }
    const subject = options.subject ?? tenantId;
    const seconds = Math.ceil(options.blockMs / 1000);
    // Read then write: two processes penalizing at once may keep the shorter of two blocks, never none.
    if ((await this.blockedMs(tenantId, limit, subject)) >= seconds * 1000) return;
    await this.blocker(limit).block(subjectKey(tenantId, subject), seconds);
  }

  /** Time left of the subject's block, 0 when none. */
  private async blockedMs(tenantId: string, limit: RateLimitName, subject: string): Promise<number> {
    const state = await this.blocker(limit).get(subjectKey(tenantId, subject));
    // `block` stores points + 1 (2) for its duration; anything else is no block.
    return state && state.consumedPoints > 1 && state.msBeforeNext > 0 ? state.msBeforeNext : 0;
  }

  private counter(limit: RateLimitName, capacity: RateCapacity): RateLimiterAbstract {
    const seconds = windowMs(capacity) / 1000;
    const name = `${limit}:${capacity.points}p${seconds}s`;
    let counter = this.counters.get(name);
    if (!counter) {
      counter = this.createLimiter({ keyPrefix: `${this.keyPrefix}:${name}`, points: capacity.points, duration: seconds });
      this.counters.set(name, counter);
    }
    return counter;
  }

  private blocker(limit: RateLimitName): RateLimiterAbstract {
    let blocker = this.blockers.get(limit);
    if (!blocker) {
      blocker = this.createLimiter({ keyPrefix: `${this.keyPrefix}:${limit}:block`, points: 1, duration: 1 });
      this.blockers.set(limit, blocker);
    }
    return blocker;
  }
}

/** `<tenantId>:<subject>`, with `%` and `:` escaped in each so that no two pairs share a key. */
function subjectKey(tenantId: string, subject: string): string {
  return `${escapePart(tenantId)}:${escapePart(subject)}`;
}

function escapePart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** The window in ms, rounded up to whole seconds (the stores' unit). */
function windowMs(capacity: RateCapacity): number {
  return Math.max(1, Math.ceil(capacity.durationMs / 1000)) * 1000;
}

function clampRetry(msBeforeNext: number, window: number): number {
  return Math.min(Math.max(Math.ceil(msBeforeNext), 1), window);
}

/** Throws a RangeError (a caller's bug) on a capacity or a point count the stores cannot take. */
function checkRequest(request: RateRequest, points: number, mustFit: boolean): number {
  const { capacity } = request;
  if (!Number.isInteger(capacity.points) || capacity.points < 1) {
    throw new RangeError(`capacity.points must be a whole number ≥ 1, got ${capacity.points}`);
  }
  if (!Number.isFinite(capacity.durationMs) || capacity.durationMs <= 0) {
    throw new RangeError(`capacity.durationMs must be a number of milliseconds > 0, got ${capacity.durationMs}`);
  }
  if (!Number.isInteger(points) || points < 1) {
    throw new RangeError(`points must be a whole number ≥ 1, got ${points}`);
  }
  if (mustFit && points > capacity.points) {
    // It would be refused in every window: the caller has the capacity wrong.
    throw new RangeError(`points (${points}) exceed the capacity (${capacity.points} per window): such a request is never allowed`);
  }
  return points;
}
