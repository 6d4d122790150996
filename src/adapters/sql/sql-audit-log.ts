import type { Kysely } from 'kysely';
import type { AuditEntry, AuditLog, AuditRecord } from '../../ports/audit-log.js';
import { dialectOf } from './dialect-of.js';
import { storableText } from './storable-text.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

/** The admin API's audit log in SQL: an append-only table paged by id. */
export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async record(entry: AuditRecord, now: number): Promise<void> {
    await this.batcher.run((trx) => {
      const dialect = dialectOf(trx);
      return trx
        .insertInto('admin_audit')
        .values({
          actor: entry.actor.role,
          token_id: entry.actor.role === 'tenant' ? entry.actor.tokenId : null,
          tenant_id: entry.tenantId,
          method: entry.method,
          route: entry.route,
          params: storableText(dialect, JSON.stringify(entry.params)),
          body: entry.body === null ? null : storableText(dialect, JSON.stringify(entry.body)),
          status: entry.status,
          created_at: now,
        })
        .execute();
    });
  }

  async list(filter: { tenantId?: string; limit: number; beforeId?: string }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('admin_audit').selectAll().orderBy('id', 'desc').limit(Math.min(filter.limit, 500));
    if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.beforeId !== undefined) {
      // Not a number: nothing is before it (PostgreSQL would refuse the comparison outright).
      const beforeId = Number(filter.beforeId);
      if (!Number.isSafeInteger(beforeId)) return [];
      query = query.where('id', '<', beforeId);
    }
    const rows = await query.execute();
    return rows.map((row) => ({
      id: String(row.id),
      at: Number(row.created_at),
      actor: row.actor === 'tenant' && row.token_id !== null && row.tenant_id !== null ? { role: 'tenant', tokenId: row.token_id, tenantId: row.tenant_id } : { role: 'admin' },
      tenantId: row.tenant_id,
      method: row.method,
      route: row.route,
      params: JSON.parse(row.params) as Record<string, string>,
      body: row.body === null ? null : (JSON.parse(row.body) as Record<string, unknown>),
      status: row.status,
    }));
  }
}
