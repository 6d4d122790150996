import { afterEach, describe, expect, it } from 'vitest';
import type { AuditLog, AuditRecord } from '../../src/ports/audit-log.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the audit-log suite needs: an empty log and the clock its tests move. */
export interface AuditLogFixture {
  audit: AuditLog;
  clock: ManualClock;
  close(): Promise<void>;
}

function write(tenantId: string | null, route: string, extra: Partial<AuditRecord> = {}): AuditRecord {
  return { actor: { role: 'admin' }, tenantId, method: 'POST', route, params: tenantId ? { tenantId } : {}, body: null, status: 200, ...extra };
}

/** The guarantees of the AuditLog port (src/ports/audit-log.ts), for every adapter. */
export function auditLogContract(adapterName: string, create: () => Promise<AuditLogFixture>) {
  describe(`${adapterName}: AuditLog contract`, () => {
    const opened: AuditLogFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<AuditLogFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('keeps what was recorded, newest first, with its time', async () => {
      const { audit, clock } = await open();
      const tenantId = uniqueId('tenant');
      const first = write(tenantId, '/admin/tenants/:tenantId/conversations/:userId/takeover', {
        actor: { role: 'tenant', tokenId: 'tok_1', tenantId },
        params: { tenantId, userId: '15550001' },
        body: { text: 'hello' },
        status: 409,
      });
      await audit.record(first, clock.now());
      clock.advance(1000);
      await audit.record(write(tenantId, '/admin/tokens', { method: 'DELETE' }), clock.now());

      const entries = await audit.list({ tenantId, limit: 10 });
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({ method: 'DELETE', route: '/admin/tokens', at: clock.now(), actor: { role: 'admin' } });
      expect(entries[1]).toEqual({ ...first, id: entries[1]!.id, at: clock.now() - 1000 });
    });

    it('filters by tenant and pages backwards by id', async () => {
      const { audit, clock } = await open();
      const [tenantA, tenantB] = [uniqueId('tenant'), uniqueId('tenant')];
      for (let index = 0; index < 5; index++) await audit.record(write(tenantA, `/a/${index}`), clock.now());
      await audit.record(write(tenantB, '/b'), clock.now());
      await audit.record(write(null, '/none'), clock.now());

      const firstPage = await audit.list({ tenantId: tenantA, limit: 3 });
      expect(firstPage.map((entry) => entry.route)).toEqual(['/a/4', '/a/3', '/a/2']);
      const secondPage = await audit.list({ tenantId: tenantA, limit: 3, beforeId: firstPage[2]!.id });
      expect(secondPage.map((entry) => entry.route)).toEqual(['/a/1', '/a/0']);
      expect((await audit.list({ tenantId: tenantB, limit: 10 })).map((entry) => entry.route)).toEqual(['/b']);
      expect((await audit.list({ limit: 2 })).map((entry) => entry.route)).toEqual(['/none', '/b']);
      expect(await audit.list({ limit: 2, beforeId: 'not-a-number' })).toEqual([]);
    });
  });
}
