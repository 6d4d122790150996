import type { Clock } from '../../ports/clock.js';
import { DEFAULT_DEDUPE_RETENTION_MS, type Deduper } from '../../ports/deduper.js';
import { systemClock } from '../../shared/system-clock.js';

export interface MemoryDeduperOptions {
  /** How long a claimed id is remembered, in ms. Default 72 h. */
  retentionMs?: number;
  /** Ids remembered at most; the oldest claims are forgotten first. Default 100,000. */
  maxEntries?: number;
  clock?: Clock;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * The Deduper port in this process's memory: a fast pre-check only. It is bounded and lost on
 * restart, so it forgets ids early; the database's unique claim on (tenant, message id) stays the
 * source of truth and refuses whatever gets past this.
 */
export class MemoryDeduper implements Deduper {
  readonly retentionMs: number;
  private readonly maxEntries: number;
  private readonly clock: Clock;
  /** Claim key → expiry (Unix ms). Every claim has the same retention, so insertion order is expiry order. */
  private readonly claims = new Map<string, number>();

  constructor(options: MemoryDeduperOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_DEDUPE_RETENTION_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.retentionMs) || this.retentionMs < 1) {
      throw new RangeError(`retentionMs must be a whole number of milliseconds ≥ 1, got ${this.retentionMs}`);
    }
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a whole number ≥ 1, got ${this.maxEntries}`);
    }
  }

  async claim(tenantId: string, messageId: string): Promise<boolean> {
    const now = this.clock.now();
    this.forgetExpired(now);
    const key = claimKey(tenantId, messageId);
    if (this.claims.has(key)) return false;
    this.claims.set(key, now + this.retentionMs);
    while (this.claims.size > this.maxEntries) {
      const oldest = this.claims.keys().next().value as string;
      this.claims.delete(oldest);
    }
    return true;
  }

  async isClaimed(tenantId: string, messageId: string): Promise<boolean> {
    const expiresAt = this.claims.get(claimKey(tenantId, messageId));
    return expiresAt !== undefined && expiresAt > this.clock.now();
  }

  /** Ids currently remembered (expired ones may linger until the next claim). */
  get size(): number {
    return this.claims.size;
  }

  /** Drops expired claims from the front: they are in expiry order, so this stops at the first live one. */
  private forgetExpired(now: number): void {
    for (const [key, expiresAt] of this.claims) {
      if (expiresAt > now) return;
      this.claims.delete(key);
    }
  }
}

/** Unambiguous whatever the ids contain. */
function claimKey(tenantId: string, messageId: string): string {
  return JSON.stringify([tenantId, messageId]);
}
