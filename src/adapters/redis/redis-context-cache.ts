import type { Redis } from 'ioredis';
import type { ContextCache, ContextWindowOptions } from '../../ports/context-cache.js';
import type { HistoryEntry } from '../../ports/conversation-store.js';
import { checkWindowOptions, selectHistory } from '../../shared/history-window.js';
import { DEFAULT_REDIS_KEY_PREFIX, redisKey } from './redis-key.js';

export interface RedisContextCacheOptions {
  /** Default `switchboard`; keys are `<prefix>:context:<tenantId>:<userId>`. */
  keyPrefix?: string;
}

/**
 * The ContextCache port on Redis: one list per (tenant, user), one JSON entry per element, oldest
 * first. Every write is one MULTI (replace or RPUSHX, LTRIM, PEXPIRE), so readers on other processes
 * never see a window half written or untrimmed.
 */
export class RedisContextCache implements ContextCache {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisContextCacheOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  }

  async get(tenantId: string, userId: string, options: { sinceMs?: number; limit?: number } = {}): Promise<HistoryEntry[] | null> {
    const key = this.key(tenantId, userId);
    const items = await this.redis.lrange(key, 0, -1);
    if (items.length === 0) return null; // Redis has no empty lists: no window.
    const entries: HistoryEntry[] = [];
    for (const item of items) {
      const entry = parseEntry(item);
      if (!entry) {
        // Not written by this adapter (another version, a hand edit): a miss, so the database is read.
        await this.redis.del(key);
        return null;
      }
      entries.push(entry);
    }
    return selectHistory(entries, options);
  }

  async fill(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void> {
    checkWindowOptions(options);
    const key = this.key(tenantId, userId);
    const kept = entries.slice(-options.maxEntries);
    const transaction = this.redis.multi().del(key);
    if (kept.length > 0) transaction.rpush(key, ...kept.map(serializeEntry)).pexpire(key, options.ttlMs);
    await transaction.exec();
  }

  async append(tenantId: string, userId: string, entries: readonly HistoryEntry[], options: ContextWindowOptions): Promise<void> {
    checkWindowOptions(options);
    const key = this.key(tenantId, userId);
    const transaction = this.redis.multi();
    // RPUSHX pushes only onto an existing list: a window that expired is not restarted as a partial tail.
    if (entries.length > 0) transaction.rpushx(key, ...entries.map(serializeEntry));
    await transaction.ltrim(key, -options.maxEntries, -1).pexpire(key, options.ttlMs).exec();
  }

  async invalidate(tenantId: string, userId: string): Promise<void> {
    await this.redis.del(this.key(tenantId, userId));
  }

  /** The key of one window: `<prefix>:context:<tenantId>:<userId>`. */
  key(tenantId: string, userId: string): string {
    return redisKey(this.keyPrefix, 'context', tenantId, userId);
  }
}

function serializeEntry(entry: HistoryEntry): string {
  return JSON.stringify({ role: entry.role, content: entry.content, createdAt: entry.createdAt });
}

function parseEntry(item: string): HistoryEntry | null {
  try {
    const value = JSON.parse(item) as Partial<HistoryEntry> | null;
    if (
      value &&
      (value.role === 'user' || value.role === 'assistant') &&
      typeof value.content === 'string' &&
      typeof value.createdAt === 'number'
    ) {
      return { role: value.role, content: value.content, createdAt: value.createdAt };
    }
  } catch {
    // falls through: not an entry
  }
  return null;
}
