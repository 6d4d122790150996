import { describe, expect, it } from 'vitest';
import type { ContextCache } from '../../src/ports/context-cache.js';
import type { HistoryEntry } from '../../src/ports/conversation-store.js';
import { eventually } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

const KEEP = { maxEntries: 20, ttlMs: 60_000 };

/** `count` alternating entries, one second apart from `startMs`, with text naming `label`. */
function entries(label: string, count: number, startMs = 1_700_000_000_000): HistoryEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: `${label} ${index}`,
    createdAt: startMs + index * 1000,
  }));
}

/** The guarantees of the ContextCache port (src/ports/context-cache.ts), for every adapter. */
export function contextCacheContract(adapterName: string, createCache: () => Promise<ContextCache>) {
  describe(`${adapterName}: ContextCache contract`, () => {
    it('answers null for a window never filled', async () => {
      const cache = await createCache();
      expect(await cache.get(uniqueId('tenant'), uniqueId('user'))).toBeNull();
    });

    it('returns a filled window oldest first, with text as it was given', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const window = [
        ...entries('hello', 3),
        { role: 'assistant' as const, content: 'Olá! \u{1F600}\nlinha 2, "aspas", \\ e : dois pontos', createdAt: 1_700_000_009_000 },
      ];
      await cache.fill(tenantId, userId, window, KEEP);
      expect(await cache.get(tenantId, userId)).toEqual(window);
    });

    it('keeps only the newest maxEntries of a fill', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const window = entries('fill', 7);
      await cache.fill(tenantId, userId, window, { maxEntries: 4, ttlMs: 60_000 });
      expect(await cache.get(tenantId, userId)).toEqual(window.slice(-4));
    });

    it('replaces the window on a second fill', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await cache.fill(tenantId, userId, entries('first', 5), KEEP);
      await cache.fill(tenantId, userId, entries('second', 2), KEEP);
      expect(await cache.get(tenantId, userId)).toEqual(entries('second', 2));
    });

    it('appends to a window and keeps its newest maxEntries, oldest first', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const all = entries('turn', 9);
      await cache.fill(tenantId, userId, all.slice(0, 4), { maxEntries: 6, ttlMs: 60_000 });
      await cache.append(tenantId, userId, all.slice(4, 6), { maxEntries: 6, ttlMs: 60_000 });
      expect(await cache.get(tenantId, userId)).toEqual(all.slice(0, 6));
      await cache.append(tenantId, userId, all.slice(6, 9), { maxEntries: 6, ttlMs: 60_000 });
      expect(await cache.get(tenantId, userId)).toEqual(all.slice(3, 9));
    });

    it('does not start a window from an append (it would look like the whole history)', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await cache.append(tenantId, userId, entries('tail', 2), KEEP);
      expect(await cache.get(tenantId, userId)).toBeNull();
    });

    it('never returns entries created before sinceMs, and limits to the newest', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const window = entries('session', 6, 10_000); // created at 10 000, 11 000 ... 15 000
      await cache.fill(tenantId, userId, window, KEEP);
      expect(await cache.get(tenantId, userId, { sinceMs: 12_000 })).toEqual(window.slice(2));
      expect(await cache.get(tenantId, userId, { sinceMs: 16_000 })).toEqual([]);
      expect(await cache.get(tenantId, userId, { limit: 2 })).toEqual(window.slice(-2));
      expect(await cache.get(tenantId, userId, { sinceMs: 14_000, limit: 5 })).toEqual(window.slice(4));
    });

    it('hands out copies: changing a returned entry does not change the window', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const given = entries('copy', 2);
      await cache.fill(tenantId, userId, given, KEEP);
      given[0]!.content = 'changed by the caller after fill';
      const first = (await cache.get(tenantId, userId))!;
      first[1]!.content = 'changed by the caller after get';
      first.pop();
      expect(await cache.get(tenantId, userId)).toEqual(entries('copy', 2));
    });

    it('never mixes tenants or users, whatever their ids hold', async () => {
      const cache = await createCache();
      const base = uniqueId('tenant');
      const pairs: Array<[string, string]> = [
        [base, '5511999990001'],
        [base, '5511999990002'],
        [`${base}-other`, '5511999990001'],
        [`${base}:x`, 'y'], // a naive `tenant:user` key would make these two pairs one
        [base, 'x:y'],
      ];
      // 1. Each pair gets its own window, then the first pair another append.
      for (const [tenantId, userId] of pairs) await cache.fill(tenantId, userId, entries(`${tenantId}/${userId}`, 2), KEEP);
      await cache.append(base, '5511999990001', entries('more', 1, 1_800_000_000_000), KEEP);
      // 2. Every window holds its own entries only.
      expect(await cache.get(base, '5511999990001')).toEqual([
        ...entries(`${base}/5511999990001`, 2),
        ...entries('more', 1, 1_800_000_000_000),
      ]);
      for (const [tenantId, userId] of pairs.slice(1)) {
        expect(await cache.get(tenantId, userId)).toEqual(entries(`${tenantId}/${userId}`, 2));
      }
      // 3. Invalidating one leaves the others.
      await cache.invalidate(`${base}:x`, 'y');
      expect(await cache.get(`${base}:x`, 'y')).toBeNull();
      expect(await cache.get(base, 'x:y')).toEqual(entries(`${base}/x:y`, 2));
      expect(await cache.get(base, '5511999990002')).toEqual(entries(`${base}/5511999990002`, 2));
    });

    it('drops a window on invalidate', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await cache.fill(tenantId, userId, entries('gone', 3), KEEP);
      await cache.invalidate(tenantId, userId);
      expect(await cache.get(tenantId, userId)).toBeNull();
      await cache.invalidate(tenantId, userId); // nothing to drop: no error
    });

    it('does not cache an empty history', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await cache.fill(tenantId, userId, entries('old', 2), KEEP);
      await cache.fill(tenantId, userId, [], KEEP);
      expect(await cache.get(tenantId, userId)).toBeNull();
    });

    it('drops a window when its TTL runs out', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await cache.fill(tenantId, userId, entries('short', 2), { maxEntries: 10, ttlMs: 300 });
      await eventually(async () => (await cache.get(tenantId, userId)) === null, 'the window to expire');
    });

    it('restarts the TTL on append', async () => {
      const cache = await createCache();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const filledAt = Date.now();
      // 1. A window that would live 500 ms, at once given a long TTL by an append.
      await cache.fill(tenantId, userId, entries('kept', 2), { maxEntries: 10, ttlMs: 500 });
      await cache.append(tenantId, userId, entries('later', 1, 1_800_000_000_000), { maxEntries: 10, ttlMs: 60_000 });
      // 2. Well after the first TTL, it is still there.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, filledAt + 1000 - Date.now())));
      expect(await cache.get(tenantId, userId)).toHaveLength(3);
    });

    it('refuses window options it cannot keep', async () => {
      const cache = await createCache();
      await expect(cache.fill('t', 'u', entries('x', 1), { maxEntries: 0, ttlMs: 1000 })).rejects.toThrow(RangeError);
      await expect(cache.append('t', 'u', entries('x', 1), { maxEntries: 5, ttlMs: 0 })).rejects.toThrow(RangeError);
    });
  });
}
