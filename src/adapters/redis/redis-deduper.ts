import type { Redis } from 'ioredis';
import { DEFAULT_DEDUPE_RETENTION_MS, type Deduper } from '../../ports/deduper.js';
import { DEFAULT_REDIS_KEY_PREFIX, redisKey } from './redis-key.js';

export interface RedisDeduperOptions {
  /** Default `switchboard`; keys are `<prefix>:dedupe:<tenantId>:<messageId>`. */
  keyPrefix?: string;
  /** How long a claimed id is remembered, in ms. Default 72 h. */
  retentionMs?: number;
}

/** The Deduper port on Redis, shared by every process: one `SET key 1 NX PX retention` per claim. */
export class RedisDeduper implements Deduper {
  readonly retentionMs: number;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    options: RedisDeduperOptions = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.retentionMs = options.retentionMs ?? DEFAULT_DEDUPE_RETENTION_MS;
    if (!Number.isInteger(this.retentionMs) || this.retentionMs < 1) {
      throw new RangeError(`retentionMs must be a whole number of milliseconds ≥ 1, got ${this.retentionMs}`);
    }
  }

  async claim(tenantId: string, messageId: string): Promise<boolean> {
    // NX makes the first claim win atomically; a later claim leaves the expiry alone.
    const reply = await this.redis.set(this.key(tenantId, messageId), '1', 'PX', this.retentionMs, 'NX');
    return reply === 'OK';
  }

  async isClaimed(tenantId: string, messageId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(tenantId, messageId))) === 1;
  }

  /** The key of one claim: `<prefix>:dedupe:<tenantId>:<messageId>`. */
  key(tenantId: string, messageId: string): string {
    return redisKey(this.keyPrefix, 'dedupe', tenantId, messageId);
  }
}
