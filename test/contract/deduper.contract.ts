import { describe, expect, it } from 'vitest';
import type { Deduper } from '../../src/ports/deduper.js';
import { eventually } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** The guarantees of the Deduper port (src/ports/deduper.ts), for every adapter. */
export function deduperContract(adapterName: string, createDeduper: (options: { retentionMs?: number }) => Promise<Deduper>) {
  describe(`${adapterName}: Deduper contract`, () => {
    it('claims a message id once per tenant', async () => {
      const deduper = await createDeduper({});
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const messageId = uniqueId('wamid');
      expect(await deduper.claim(tenantA, messageId)).toBe(true);
      expect(await deduper.claim(tenantA, messageId)).toBe(false);
      expect(await deduper.claim(tenantB, messageId)).toBe(true);
      expect(await deduper.claim(tenantA, uniqueId('wamid'))).toBe(true);
    });

    it('tells whether an id was claimed without claiming it', async () => {
      const deduper = await createDeduper({});
      const tenantId = uniqueId('tenant');
      const messageId = uniqueId('wamid');
      expect(await deduper.isClaimed(tenantId, messageId)).toBe(false);
      expect(await deduper.isClaimed(tenantId, messageId)).toBe(false);
      expect(await deduper.claim(tenantId, messageId)).toBe(true);
      expect(await deduper.isClaimed(tenantId, messageId)).toBe(true);
      expect(await deduper.isClaimed(uniqueId('tenant'), messageId)).toBe(false);
    });

    it('gives one of many concurrent claims of an id true', async () => {
      const deduper = await createDeduper({});
      const tenantId = uniqueId('tenant');
      const messageId = uniqueId('wamid');
      const results = await Promise.all(Array.from({ length: 25 }, () => deduper.claim(tenantId, messageId)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps ids holding colons apart from other tenant and id pairs', async () => {
      const deduper = await createDeduper({});
      const base = uniqueId('t');
      // ("<base>:x", "y") and ("<base>", "x:y") would share a naively joined key.
      expect(await deduper.claim(`${base}:x`, 'y')).toBe(true);
      expect(await deduper.claim(base, 'x:y')).toBe(true);
      expect(await deduper.claim(`${base}%3Ax`, 'y')).toBe(true);
      expect(await deduper.claim(`${base}:x`, 'y')).toBe(false);
    });

    it('forgets an id after the retention window', async () => {
      const deduper = await createDeduper({ retentionMs: 300 });
      const tenantId = uniqueId('tenant');
      const messageId = uniqueId('wamid');
      // 1. Claimed, then remembered.
      expect(await deduper.claim(tenantId, messageId)).toBe(true);
      expect(await deduper.claim(tenantId, messageId)).toBe(false);
      // 2. Once the window is over, the id can be claimed again (and only once).
      await eventually(async () => !(await deduper.isClaimed(tenantId, messageId)), 'the claim to expire');
      expect(await deduper.claim(tenantId, messageId)).toBe(true);
      expect(await deduper.claim(tenantId, messageId)).toBe(false);
    });
  });
}
