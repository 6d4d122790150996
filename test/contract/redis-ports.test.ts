// The Redis adapters of the Deduper, ContextCache and RateLimiter ports: each port's contract suite (the
// same suites embedded-extras.test.ts runs on memory), plus connectRedis and the keys Redis holds. Every
// run writes under a fresh key prefix and deletes its keys afterwards.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleServers } from '../helpers/scale-servers.js';
import { deleteRedisKeys } from '../helpers/test-database.js';
import { connectRedis } from '../../src/adapters/redis/connect-redis.js';
import { RedisContextCache } from '../../src/adapters/redis/redis-context-cache.js';
import { RedisDeduper } from '../../src/adapters/redis/redis-deduper.js';
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js';
import { SwitchboardError } from '../../src/shared/errors.js';
import { uniqueId } from './builders.js';
import { contextCacheContract } from './context-cache.contract.js';
import { deduperContract } from './deduper.contract.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

const redisUrl = scaleServers('redis ports', ['TEST_REDIS_URL'])?.TEST_REDIS_URL;

if (redisUrl) {
  const keyPrefix = `switchboard-test:${randomBytes(6).toString('hex')}`;
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectRedis(redisUrl, { connectionName: 'switchboard-test' });
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteRedisKeys(redis, keyPrefix);
    await redis.quit();
  });

  deduperContract('redis', async (options) => new RedisDeduper(redis, { keyPrefix, ...options }));
  contextCacheContract('redis', async () => new RedisContextCache(redis, { keyPrefix }));
  rateLimiterContract('redis', async () => new RedisRateLimiter(redis, { keyPrefix }));

  describe('redis: keys', () => {
    it('keeps a claim under <prefix>:dedupe:<tenant>:<message> for 72 hours by default', async () => {
      const deduper = new RedisDeduper(redis, { keyPrefix });
      const tenantId = uniqueId('tenant');
      await deduper.claim(tenantId, 'wamid.HBgL:1');
      const key = `${keyPrefix}:dedupe:${tenantId}:wamid.HBgL%3A1`;
      expect(deduper.key(tenantId, 'wamid.HBgL:1')).toBe(key);
      const ttlMs = await redis.pttl(key);
      expect(ttlMs).toBeGreaterThan(71 * 3_600_000);
      expect(ttlMs).toBeLessThanOrEqual(72 * 3_600_000);
    });

    it('shares claims, windows and limits between two connections (two processes)', async () => {
      const other = await connectRedis(redisUrl);
      try {
        const tenantId = uniqueId('tenant');
        expect(await new RedisDeduper(redis, { keyPrefix }).claim(tenantId, 'wamid.1')).toBe(true);
        expect(await new RedisDeduper(other, { keyPrefix }).claim(tenantId, 'wamid.1')).toBe(false);

        const window = [{ role: 'user' as const, content: 'oi', createdAt: 1 }];
        await new RedisContextCache(redis, { keyPrefix }).fill(tenantId, 'user', window, { maxEntries: 5, ttlMs: 60_000 });
        expect(await new RedisContextCache(other, { keyPrefix }).get(tenantId, 'user')).toEqual(window);

        const capacity = { points: 1, durationMs: 60_000 };
        expect((await new RedisRateLimiter(redis, { keyPrefix }).consume(tenantId, 'turns_per_minute', { capacity })).allowed).toBe(true);
        expect((await new RedisRateLimiter(other, { keyPrefix }).consume(tenantId, 'turns_per_minute', { capacity })).allowed).toBe(false);
      } finally {
        await other.quit();
      }
    });

    it('treats a window it cannot read as a miss', async () => {
      const cache = new RedisContextCache(redis, { keyPrefix });
      const tenantId = uniqueId('tenant');
      await redis.rpush(cache.key(tenantId, 'user'), 'not json');
      expect(await cache.get(tenantId, 'user')).toBeNull();
      expect(await redis.exists(cache.key(tenantId, 'user'))).toBe(0);
    });
  });

  describe('redis: connectRedis', () => {
    it('fails fast with REDIS_UNAVAILABLE naming host:port, never the password', async () => {
      // A port nobody listens on: bound, then closed.
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => server.close(() => resolve()));

      const error = await connectRedis(`redis://:sup3r-secret@127.0.0.1:${port}/0`, { connectTimeoutMs: 2000 }).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as SwitchboardError).code).toBe('REDIS_UNAVAILABLE');
      expect((error as SwitchboardError).message).toContain(`127.0.0.1:${port}`);
      expect((error as SwitchboardError).message).not.toContain('sup3r-secret');
      expect(JSON.stringify((error as SwitchboardError).details)).not.toContain('sup3r-secret');
    });

    it('refuses a URL that is not a Redis URL without repeating it', async () => {
      const failure = connectRedis('http://user:sup3r-secret@127.0.0.1:6379');
      await expect(failure).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
      await expect(failure).rejects.not.toThrow(/sup3r-secret/);
    });

    it('gives BullMQ connections no per-command retry limit, and others a small one', async () => {
      const queue = await connectRedis(redisUrl, { forQueue: true });
      const commands = await connectRedis(redisUrl);
      try {
        expect(queue.options.maxRetriesPerRequest).toBeNull();
        expect(commands.options.maxRetriesPerRequest).toBeGreaterThan(0);
        expect(await commands.ping()).toBe('PONG');
      } finally {
        await Promise.all([queue.quit(), commands.quit()]);
      }
    });
  });
}
