import type { Kysely, Selectable } from 'kysely';
import type { AccessToken, AccessTokenStore } from '../../ports/access-token-store.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

type Row = Selectable<Tables['admin_tokens']>;

/** Tenant-scoped admin tokens in SQL: one row per token, the secret's hash unique. */
export class SqlAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async create(token: { id: string; tenantId: string; name: string; hash: string }, now: number): Promise<AccessToken> {
    await this.batcher.run((trx) =>
      trx.insertInto('admin_tokens').values({ id: token.id, tenant_id: token.tenantId, name: token.name, token_hash: token.hash, created_at: now, revoked_at: null }).execute(),
    );
    return { id: token.id, tenantId: token.tenantId, name: token.name, createdAt: now, revokedAt: null };
  }

  async findActive(hash: string): Promise<(AccessToken & { hash: string }) | null> {
    const row = await this.db.selectFrom('admin_tokens').selectAll().where('token_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    return row ? { ...toToken(row), hash: row.token_hash } : null;
  }

  async list(filter: { tenantId?: string }): Promise<AccessToken[]> {
    let query = this.db.selectFrom('admin_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    return (await query.execute()).map(toToken);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.batcher.run((trx) =>
      trx.updateTable('admin_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }
}

function toToken(row: Row): AccessToken {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}
