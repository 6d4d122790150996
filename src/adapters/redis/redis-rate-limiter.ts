import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { FlexibleRateLimiter } from '../rate-limit/flexible-rate-limiter.js';
import { DEFAULT_REDIS_KEY_PREFIX } from './redis-key.js';

export interface RedisRateLimiterOptions {
  /**
   * Default `switchboard`. Keys: `<prefix>:ratelimit:<limit>:<points>p<seconds>s:<tenantId>:<subject>`
   * for counts, `<prefix>:ratelimit:<limit>:block:<tenantId>:<subject>` for blocks.
   */
  keyPrefix?: string;
}

/**
 * The RateLimiter port on Redis (rate-limiter-flexible's RateLimiterRedis: one Lua script per consume),
 * shared by every process, so a tenant's or a number's limit holds across the whole deployment.
 */
export class RedisRateLimiter extends FlexibleRateLimiter {
  constructor(redis: Redis, options: RedisRateLimiterOptions = {}) {
    super(
      (limiterOptions) => new RateLimiterRedis({ storeClient: redis, ...limiterOptions }),
      `${options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX}:ratelimit`,
    );
  }
}
