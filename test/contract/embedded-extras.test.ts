// The embedded (in-process memory) adapters of the Deduper, ContextCache and RateLimiter ports: each
// port's contract suite, the same suites redis-ports.test.ts runs on Redis, plus what only memory shows
// (bounds, the injected clock).
import { describe, expect, it } from 'vitest';
import { MemoryContextCache } from '../../src/adapters/memory/memory-context-cache.js';
import { MemoryDeduper } from '../../src/adapters/memory/memory-deduper.js';
import { MemoryRateLimiter } from '../../src/adapters/rate-limit/memory-rate-limiter.js';
import { ManualClock } from '../helpers/switchboard.js';
import { contextCacheContract } from './context-cache.contract.js';
import { deduperContract } from './deduper.contract.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

deduperContract('memory', async (options) => new MemoryDeduper(options));
contextCacheContract('memory', async () => new MemoryContextCache());
rateLimiterContract('memory', async () => new MemoryRateLimiter());

describe('memory: MemoryDeduper', () => {
  it('remembers a claim for 72 hours by default', async () => {
    const clock = new ManualClock();
    const deduper = new MemoryDeduper({ clock });
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(true);
    clock.advance(72 * 3_600_000 - 1);
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(false);
    clock.advance(1);
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(true);
  });

  it('does not extend the retention on a repeated claim', async () => {
    const clock = new ManualClock();
    const deduper = new MemoryDeduper({ clock, retentionMs: 1000 });
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(true);
    clock.advance(900);
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(false);
    clock.advance(100);
    expect(await deduper.isClaimed('tenant', 'wamid.1')).toBe(false);
    expect(await deduper.claim('tenant', 'wamid.1')).toBe(true);
  });

  it('stays within maxEntries, forgetting the oldest claims first', async () => {
    const deduper = new MemoryDeduper({ maxEntries: 3 });
    for (const id of ['m1', 'm2', 'm3', 'm4']) expect(await deduper.claim('tenant', id)).toBe(true);
    expect(deduper.size).toBe(3);
    expect(await deduper.isClaimed('tenant', 'm1')).toBe(false); // forgotten: the database would refuse it
    expect(await deduper.isClaimed('tenant', 'm4')).toBe(true);
  });

  it('drops expired claims as it goes, so the map does not grow with old ids', async () => {
    const clock = new ManualClock();
    const deduper = new MemoryDeduper({ clock, retentionMs: 1000 });
    for (let index = 0; index < 50; index += 1) await deduper.claim('tenant', `old-${index}`);
    clock.advance(1000);
    await deduper.claim('tenant', 'new');
    expect(deduper.size).toBe(1);
  });
});

describe('memory: MemoryContextCache', () => {
  const entry = (content: string, createdAt = 1) => ({ role: 'user' as const, content, createdAt });
  const KEEP = { maxEntries: 10, ttlMs: 60_000 };

  it('expires a window by its TTL on the injected clock, and append restarts it', async () => {
    const clock = new ManualClock();
    const cache = new MemoryContextCache({ clock });
    await cache.fill('tenant', 'user', [entry('a')], { maxEntries: 10, ttlMs: 1000 });
    clock.advance(999);
    await cache.append('tenant', 'user', [entry('b')], { maxEntries: 10, ttlMs: 1000 });
    clock.advance(999);
    expect(await cache.get('tenant', 'user')).toHaveLength(2);
    clock.advance(1);
    expect(await cache.get('tenant', 'user')).toBeNull();
    await cache.append('tenant', 'user', [entry('c')], KEEP);
    expect(await cache.get('tenant', 'user')).toBeNull();
  });

  it('stays within maxWindows, evicting the least recently used', async () => {
    const cache = new MemoryContextCache({ maxWindows: 2 });
    await cache.fill('tenant', 'u1', [entry('1')], KEEP);
    await cache.fill('tenant', 'u2', [entry('2')], KEEP);
    await cache.get('tenant', 'u1'); // u1 is now the most recently used
    await cache.fill('tenant', 'u3', [entry('3')], KEEP);
    expect(cache.size).toBe(2);
    expect(await cache.get('tenant', 'u2')).toBeNull();
    expect(await cache.get('tenant', 'u1')).toEqual([entry('1')]);
    expect(await cache.get('tenant', 'u3')).toEqual([entry('3')]);
  });
});
