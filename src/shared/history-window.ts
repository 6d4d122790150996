import type { ContextWindowOptions } from '../ports/context-cache.js';
import type { HistoryEntry } from '../ports/conversation-store.js';

/**
 * The part of a cached window a caller asked for: entries created at or after `sinceMs`, then the
 * newest `limit` of them, oldest first. Returns copies, so callers cannot change a cached window.
 */
export function selectHistory(entries: readonly HistoryEntry[], options: { sinceMs?: number; limit?: number } = {}): HistoryEntry[] {
  const { sinceMs, limit } = options;
  let selected = sinceMs === undefined ? entries : entries.filter((entry) => entry.createdAt >= sinceMs);
  if (limit !== undefined) selected = limit > 0 ? selected.slice(-limit) : [];
  return selected.map((entry) => ({ ...entry }));
}

/** Throws a RangeError (a caller's bug) unless `maxEntries` and `ttlMs` are whole numbers ≥ 1. */
export function checkWindowOptions(options: ContextWindowOptions): void {
  if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
    throw new RangeError(`maxEntries must be a whole number ≥ 1, got ${options.maxEntries}`);
  }
  if (!Number.isInteger(options.ttlMs) || options.ttlMs < 1) {
    throw new RangeError(`ttlMs must be a whole number of milliseconds ≥ 1, got ${options.ttlMs}`);
  }
}
