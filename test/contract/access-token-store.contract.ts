import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessTokenStore } from '../../src/ports/access-token-store.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the access-token suite needs: an empty store and the clock its tests move. */
export interface AccessTokenStoreFixture {
  accessTokens: AccessTokenStore;
  clock: ManualClock;
  close(): Promise<void>;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** The guarantees of the AccessTokenStore port (src/ports/access-token-store.ts), for every adapter. */
export function accessTokenStoreContract(adapterName: string, create: () => Promise<AccessTokenStoreFixture>) {
  describe(`${adapterName}: AccessTokenStore contract`, () => {
    const opened: AccessTokenStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<AccessTokenStoreFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('finds a live token by its hash and lists it without the hash', async () => {
      const { accessTokens, clock } = await open();
      const tenantId = uniqueId('tenant');
      const id = uniqueId('tok');
      const hash = hashOf(uniqueId('secret'));
      const created = await accessTokens.create({ id, tenantId, name: 'front desk', hash }, clock.now());

      expect(created).toEqual({ id, tenantId, name: 'front desk', createdAt: clock.now(), revokedAt: null });
      expect(await accessTokens.findActive(hash)).toEqual({ ...created, hash });
      expect(await accessTokens.findActive(hashOf('another secret'))).toBeNull();
      const listed = await accessTokens.list({ tenantId });
      expect(listed).toEqual([created]);
      expect(JSON.stringify(listed)).not.toContain(hash);
    });

    it('revokes once, and a revoked token is never found again', async () => {
      const { accessTokens, clock } = await open();
      const tenantId = uniqueId('tenant');
      const id = uniqueId('tok');
      const hash = hashOf(uniqueId('secret'));
      await accessTokens.create({ id, tenantId, name: 'staff', hash }, clock.now());
      clock.advance(1000);

      expect(await accessTokens.revoke(id, clock.now())).toBe(true);
      expect(await accessTokens.revoke(id, clock.now())).toBe(false);
      expect(await accessTokens.revoke(uniqueId('tok'), clock.now())).toBe(false);
      expect(await accessTokens.findActive(hash)).toBeNull();
      expect((await accessTokens.list({ tenantId }))[0]).toMatchObject({ id, revokedAt: clock.now() });
    });

    it('lists one tenant, newest first, and refuses a hash given twice', async () => {
      const { accessTokens, clock } = await open();
      const [tenantA, tenantB] = [uniqueId('tenant'), uniqueId('tenant')];
      const first = await accessTokens.create({ id: uniqueId('tok'), tenantId: tenantA, name: 'one', hash: hashOf(uniqueId('s')) }, clock.now());
      clock.advance(1000);
      const second = await accessTokens.create({ id: uniqueId('tok'), tenantId: tenantA, name: 'two', hash: hashOf(uniqueId('s')) }, clock.now());
      const other = await accessTokens.create({ id: uniqueId('tok'), tenantId: tenantB, name: 'b', hash: hashOf(uniqueId('s')) }, clock.now());

      expect((await accessTokens.list({ tenantId: tenantA })).map((token) => token.id)).toEqual([second.id, first.id]);
      expect((await accessTokens.list({})).map((token) => token.id)).toEqual(expect.arrayContaining([first.id, second.id, other.id]));
      const taken = hashOf('same secret');
      await accessTokens.create({ id: uniqueId('tok'), tenantId: tenantA, name: 'x', hash: taken }, clock.now());
      await expect(accessTokens.create({ id: uniqueId('tok'), tenantId: tenantB, name: 'y', hash: taken }, clock.now())).rejects.toThrow();
    });
  });
}
