import type { Clock } from '../../ports/clock.js';
import type { ContextCache, ContextWindowOptions } from '../../ports/context-cache.js';
import type { HistoryEntry } from '../../ports/conversation-store.js';
import { checkWindowOptions, selectHistory } from '../../shared/history-window.js';
import { systemClock } from '../../shared/system-clock.js';

export interface MemoryContextCacheOptions {
  /** Windows kept at most; the least recently used go first. Default 10,000. */
  maxWindows?: number;
  clock?: Clock;
}

interface Window {
  entries: HistoryEntry[];
  expiresAt: number;
}

const DEFAULT_MAX_WINDOWS = 10_000;

/**
 * The ContextCache port in this process's memory: a bounded LRU of windows with a TTL each. For the
 * single-process deployment; with several processes use the Redis adapter, which they share.
 */
export class MemoryContextCache implements ContextCache {
  private readonly maxWindows: number;
  private readonly clock: Clock;
  /** Map order is use order: the first key is the least recently used. */
  private readonly windows = new Map<string, Window>();

  constructor(options: MemoryContextCacheOptions = {}) {
    this.maxWindows = options.maxWindows ?? DEFAULT_MAX_WINDOWS;
    this.clock = options.clock ?? systemClock;
    if (!Number.isInteger(this.maxWindows) || this.maxWindows < 1) {
      throw new RangeError(`maxWindows must be a whole number ≥ 1, got ${this.maxWindows}`);
    }
  }

  async get(tenantId: string, userId: string, options: { sinceMs?: number; limit?: number } = {}): Promise<HistoryEntry[] | null> {
    const key = windowKey(tenantId, userId);
    const window = this.live(key);
    if (!window) return null;
    this.windows.delete(key);
    this.windows.set(key, window); // most recently used
    return selectHistory(window.entries, options);
  }

  async fill(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void> {
    checkWindowOptions(options);
    const key = windowKey(tenantId, userId);
    this.windows.delete(key);
    const kept = entries.slice(-options.maxEntries).map((entry) => ({ ...entry }));
    if (kept.length === 0) return; // as on Redis: an empty history is not cached
    this.windows.set(key, { entries: kept, expiresAt: this.clock.now() + options.ttlMs });
    this.evict();
  }

  async append(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void> {
    checkWindowOptions(options);
    const key = windowKey(tenantId, userId);
    const window = this.live(key);
    if (!window) return; // never start a window from a tail
    this.windows.delete(key);
    this.windows.set(key, {
      entries: [...window.entries, ...entries.map((entry) => ({ ...entry }))].slice(-options.maxEntries),
      expiresAt: this.clock.now() + options.ttlMs,
    });
  }

  async invalidate(tenantId: string, userId: string): Promise<void> {
    this.windows.delete(windowKey(tenantId, userId));
  }

  /** Windows held, expired ones included until they are touched or evicted. */
  get size(): number {
    return this.windows.size;
  }

  /** The window under `key` unless it expired (then it is dropped). */
  private live(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.expiresAt <= this.clock.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private evict(): void {
    while (this.windows.size > this.maxWindows) {
      this.windows.delete(this.windows.keys().next().value as string);
    }
  }
}

/** Unambiguous whatever the ids contain. */
function windowKey(tenantId: string, userId: string): string {
  return JSON.stringify([tenantId, userId]);
}
