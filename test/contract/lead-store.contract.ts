import { afterEach, describe, expect, it } from 'vitest';
import type { LeadStore } from '../../src/ports/lead-store.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the lead-store suite needs: an empty store and the clock its tests move. */
export interface LeadStoreFixture {
  leads: LeadStore;
  clock: ManualClock;
  close(): Promise<void>;
}

/** The guarantees of the LeadStore port (src/ports/lead-store.ts), for every adapter. */
export function leadStoreContract(adapterName: string, create: () => Promise<LeadStoreFixture>) {
  describe(`${adapterName}: LeadStore contract`, () => {
    const opened: LeadStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<LeadStoreFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('creates a lead at version 1 on the first merge', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      expect(await leads.get(tenantId, userId)).toBeNull();

      const lead = await leads.merge(tenantId, userId, { name: 'Ana', areas: ['Centro'] }, clock.now());

      expect(lead).toEqual({
        tenantId,
        userId,
        fields: { name: 'Ana', areas: ['Centro'] },
        version: 1,
        syncedVersion: null,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
      expect(await leads.get(tenantId, userId)).toEqual(lead);
    });

    it('keeps other fields and bumps the version once per change', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const created = await leads.merge(tenantId, userId, { name: 'Ana', budget: { amount: 500_000, currency: 'BRL' } }, clock.now());
      clock.advance(1000);

      const merged = await leads.merge(tenantId, userId, { purpose: 'invest', name: undefined }, clock.now());

      expect(merged).toEqual({
        ...created,
        fields: { name: 'Ana', budget: { amount: 500_000, currency: 'BRL' }, purpose: 'invest' },
        version: 2,
        updatedAt: clock.now(),
      });
      expect(await leads.get(tenantId, userId)).toEqual(merged);
      const renamed = await leads.merge(tenantId, userId, { name: 'Ana Paula' }, clock.now());
      expect(renamed.version).toBe(3);
      expect(renamed.fields.name).toBe('Ana Paula');
    });

    it('merges the same fields twice without a version bump', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const fields = { areas: ['Centro', 'Praia'], budget: { amount: 300_000, currency: 'EUR' }, financing: 'mortgage' as const };
      const first = await leads.merge(tenantId, userId, fields, clock.now());
      clock.advance(1000);

      // Equal by value, not by reference; undefined is not a change.
      const again = await leads.merge(tenantId, userId, { areas: ['Centro', 'Praia'], budget: { currency: 'EUR', amount: 300_000 }, timeline: undefined }, clock.now());

      expect(again).toEqual(first);
      expect(await leads.get(tenantId, userId)).toEqual(first);
      expect((await leads.merge(tenantId, userId, { areas: ['Praia', 'Centro'] }, clock.now())).version).toBe(2);
      expect((await leads.merge(tenantId, userId, { budget: { amount: 300_000, currency: 'BRL' } }, clock.now())).version).toBe(3);
    });

    it('writes nothing when a merge brings no fields', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');

      const lead = await leads.merge(tenantId, userId, { name: undefined }, clock.now());

      expect(lead).toMatchObject({ tenantId, userId, fields: {}, version: 0, syncedVersion: null });
      expect(await leads.get(tenantId, userId)).toBeNull();
    });

    it('records the synced version and never moves it backwards', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await leads.merge(tenantId, userId, { name: 'Ana' }, clock.now());
      await leads.merge(tenantId, userId, { timeline: '3 months' }, clock.now());

      await leads.markSynced(tenantId, userId, 2, clock.now());
      expect((await leads.get(tenantId, userId))!.syncedVersion).toBe(2);
      await leads.markSynced(tenantId, userId, 1, clock.now());
      expect((await leads.get(tenantId, userId))!.syncedVersion).toBe(2);

      const changed = await leads.merge(tenantId, userId, { propertyType: 'apartment' }, clock.now());
      expect(changed).toMatchObject({ version: 3, syncedVersion: 2 });
      await leads.markSynced(tenantId, userId, 3, clock.now());
      expect((await leads.get(tenantId, userId))!.syncedVersion).toBe(3);
    });

    it('lists a tenant\'s leads, most recently changed first', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const first = uniqueId('user');
      const second = uniqueId('user');
      await leads.merge(tenantId, first, { name: 'First' }, clock.now());
      clock.advance(1000);
      await leads.merge(tenantId, second, { name: 'Second' }, clock.now());
      await leads.merge(uniqueId('tenant'), first, { name: 'Elsewhere' }, clock.now());

      expect((await leads.list(tenantId, 10)).map((lead) => lead.userId)).toEqual([second, first]);
      expect((await leads.list(tenantId, 1)).map((lead) => lead.userId)).toEqual([second]);
      clock.advance(1000);
      await leads.merge(tenantId, first, { name: 'First again' }, clock.now());
      expect((await leads.list(tenantId, 10)).map((lead) => lead.userId)).toEqual([first, second]);
    });

    it('keeps tenants apart: the same user id is another lead in another tenant', async () => {
      const { leads, clock } = await open();
      const tenantId = uniqueId('tenant');
      const otherTenant = uniqueId('tenant');
      const userId = uniqueId('user');
      await leads.merge(tenantId, userId, { name: 'Ana' }, clock.now());

      expect(await leads.get(otherTenant, userId)).toBeNull();
      expect(await leads.list(otherTenant, 10)).toEqual([]);
      await leads.markSynced(otherTenant, userId, 5, clock.now());
      const elsewhere = await leads.merge(otherTenant, userId, { name: 'Bia' }, clock.now());

      expect(elsewhere).toMatchObject({ tenantId: otherTenant, fields: { name: 'Bia' }, version: 1, syncedVersion: null });
      expect(await leads.get(tenantId, userId)).toMatchObject({ fields: { name: 'Ana' }, version: 1, syncedVersion: null });
    });
  });
}
