import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Lead, LeadFields, LeadStore } from '../../ports/lead-store.js';
import { insertUnlessTaken } from './insert-unless-taken.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

type Row = Selectable<Tables['leads']>;

/** Lead profiles in SQL, one row per tenant + user, fields as JSON. Every query is scoped by tenant id. */
export class SqlLeadStore implements LeadStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async get(tenantId: string, userId: string): Promise<Lead | null> {
    const row = await this.db.selectFrom('leads').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return row ? toLead(row) : null;
  }

  merge(tenantId: string, userId: string, fields: LeadFields, now: number): Promise<Lead> {
    // Optimistic: the write is conditional on the version read, and a lost race (another worker's
    // merge committing in between, on PostgreSQL) is merged again on top of the winner's fields.
    const attempt = async (trx: Transaction<Tables>, triesLeft: number): Promise<Lead> => {
      const row = await trx.selectFrom('leads').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
      const stored = row ? toLead(row) : null;
      const merged: Record<string, unknown> = { ...stored?.fields };
      let changed = false;
      for (const [key, value] of Object.entries(fields)) {
        if (value === undefined || sameValue(merged[key], value)) continue;
        merged[key] = value;
        changed = true;
      }
      // Nothing new (a re-run turn, or no fields at all): no write, no version bump, no empty row.
      if (!changed) {
        return stored ?? { tenantId, userId, fields: {}, version: 0, syncedVersion: null, createdAt: now, updatedAt: now };
      }
      const json = JSON.stringify(merged);
      if (stored) {
        const updated = await trx
          .updateTable('leads')
          .set({ fields: json, version: stored.version + 1, updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('user_id', '=', userId)
          .where('version', '=', stored.version)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return retry(trx, triesLeft);
        return { ...stored, fields: merged as LeadFields, version: stored.version + 1, updatedAt: now };
      }
      const inserted = await insertUnlessTaken(trx, () =>
        trx
          .insertInto('leads')
          .values({ tenant_id: tenantId, user_id: userId, fields: json, version: 1, synced_version: null, created_at: now, updated_at: now })
          .execute(),
      );
      if (!inserted) return retry(trx, triesLeft);
      return { tenantId, userId, fields: merged as LeadFields, version: 1, syncedVersion: null, createdAt: now, updatedAt: now };
    };
    const retry = (trx: Transaction<Tables>, triesLeft: number): Promise<Lead> => {
      if (triesLeft > 1) return attempt(trx, triesLeft - 1);
      throw new Error(`lead ${tenantId}/${userId} kept changing during the merge; try the turn again`);
    };
    return this.batcher.run((trx) => attempt(trx, 3));
  }

  async markSynced(tenantId: string, userId: string, version: number, _now: number): Promise<void> {
    // updated_at is left alone: it says when the lead's fields last changed, not when the CRM heard of it.
    await this.batcher.run((trx) =>
      trx
        .updateTable('leads')
        .set({ synced_version: version })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('synced_version', 'is', null), eb('synced_version', '<', version)]))
        .execute(),
    );
  }

  async list(tenantId: string, limit: number): Promise<Lead[]> {
    const rows = await this.db
      .selectFrom('leads')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('updated_at', 'desc')
      .orderBy('user_id')
      .limit(Math.min(limit, 500))
      .execute();
    return rows.map(toLead);
  }
}

/** Structural equality for JSON values: arrays element by element in order, objects key by key. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function toLead(row: Row): Lead {
  return {
    tenantId: row.tenant_id,
    userId: row.user_id,
    fields: JSON.parse(row.fields) as LeadFields,
    version: Number(row.version),
    syncedVersion: row.synced_version === null ? null : Number(row.synced_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
