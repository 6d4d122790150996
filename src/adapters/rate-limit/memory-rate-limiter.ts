import { RateLimiterMemory } from 'rate-limiter-flexible';
import { FlexibleRateLimiter } from './flexible-rate-limiter.js';

/**
 * The RateLimiter port in this process's memory (rate-limiter-flexible's RateLimiterMemory): for the
 * single-process deployment. Counts are lost on restart, which at worst lets one extra window through.
 */
export class MemoryRateLimiter extends FlexibleRateLimiter {
  constructor() {
    super((options) => new RateLimiterMemory(options), 'ratelimit');
  }
}
