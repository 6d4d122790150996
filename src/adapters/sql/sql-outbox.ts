import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { UserAddress } from '../../ports/inbound.js';
import { jobKeys } from '../../ports/job-keys.js';
import type { Outbox, OutboxDraft, OutboxKind, OutboxMessage, OutboxState } from '../../ports/outbox.js';
import { lockMessageIds, moveForward } from './apply-status.js';
import { scheduleJob } from './sql-job-queue.js';
import { QueryShape, rowsOf } from './query-shape.js';
import type { Tables } from './tables.js';
import { dialectOf } from './dialect-of.js';
import { literalLimit } from './literal-limit.js';
import { PENDING } from './pending.js';
import { storableText } from './storable-text.js';
import type { WriteBatcher } from './write-batcher.js';

/** Writes outbox rows (a repeated idempotency key is ignored) and schedules one delivery job per recipient. */
export async function insertOutbox(trx: Transaction<Tables>, drafts: OutboxDraft[], now: number): Promise<void> {
  if (drafts.length === 0) return;
  const args = drafts.flatMap((draft) => [
    draft.tenantId,
    draft.recipientId,
    draft.address.kind,
    draft.kind,
    draft.idempotencyKey,
    JSON.stringify(draft.body),
    draft.contextMessageId ?? null,
    now,
  ]);
  await insertDrafts.run(trx, args, drafts.length);
  const recipients = new Map(drafts.map((draft) => [`${draft.tenantId}\u0000${draft.recipientId}`, draft]));
  for (const draft of recipients.values()) {
    await scheduleJob(trx, deliveryJob(draft.tenantId, draft.recipientId, now), now);
  }
}

const insertDrafts = new QueryShape((db, slots, rows) =>
  db
    .insertInto('outbox')
    .values(
      rowsOf(slots, rows).map(([tenantId, recipientId, addressKind, kind, idempotencyKey, body, contextMessageId, now]) => ({
        tenant_id: tenantId,
        recipient_id: recipientId,
        address_kind: addressKind,
        kind,
        idempotency_key: idempotencyKey,
        body,
        context_message_id: contextMessageId,
        state: 'pending',
        attempts: 0,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((conflict) => conflict.column('idempotency_key').doNothing()),
);

/** The variant is the limit (see literalLimit). */
const pendingFor = new QueryShape((db, [tenantId, recipientId], limit) =>
  db
    .selectFrom('outbox')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('recipient_id', '=', recipientId)
    .where('state', '=', PENDING)
    .orderBy('id')
    .limit(sql.lit(limit)),
);

const recordSent = new QueryShape((db, [waMessageId, now, tenantId, id]) =>
  db
    .updateTable('outbox')
    .set({ state: 'sent', wa_message_id: waMessageId, sent_at: now, updated_at: now, attempts: (eb) => eb('attempts', '+', 1) })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id),
);

const parkedFor = new QueryShape((db, [tenantId, waMessageId]) =>
  db.selectFrom('parked_statuses').selectAll().where('tenant_id', '=', tenantId).where('wa_message_id', '=', waMessageId).orderBy('id'),
);

/** The job that delivers one recipient's pending messages in order. */
export function deliveryJob(tenantId: string, recipientId: string, now: number) {
  return {
    name: 'outbox.deliver' as const,
    tenantId,
    key: jobKeys.delivery(tenantId, recipientId),
    payload: { tenantId, recipientId },
    runAt: now,
    onExisting: 'keep' as const,
  };
}

export class SqlOutbox implements Outbox {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async add(drafts: OutboxDraft[], now: number): Promise<void> {
    await this.batcher.run((trx) => insertOutbox(trx, drafts, now));
  }

  async pending(tenantId: string, recipientId: string, limit: number): Promise<OutboxMessage[]> {
    const rows = await pendingFor.rows(this.db, [tenantId, recipientId], literalLimit(limit));
    return rows.map(toMessage);
  }

  async markSent(tenantId: string, id: string, waMessageId: string, now: number): Promise<void> {
    // A status of this message may be arriving right now, in another transaction (lockMessageIds). On
    // PostgreSQL that lock is taken in a transaction of its own: among other units of a group commit,
    // each locking as it goes, it would deadlock with an inbox batch locking its message ids in order.
    const run = <T>(work: (trx: Transaction<Tables>) => Promise<T>) =>
      dialectOf(this.db) === 'postgres' ? this.db.transaction().execute(work) : this.batcher.run(work);
    await run(async (trx) => {
      await lockMessageIds(trx, [{ tenantId, waMessageId }]);
      await recordSent.run(trx, [waMessageId, now, tenantId, Number(id)]);
      const parked = await parkedFor.rows(trx, [tenantId, waMessageId]);
      if (parked.length === 0) return;
      let row = { id: Number(id), state: 'sent' };
      for (const status of parked) {
        await moveForward(trx, row, status.status, status.error_code, status.error_detail, now);
        row = (await trx.selectFrom('outbox').select(['id', 'state']).where('id', '=', Number(id)).executeTakeFirst())!;
      }
      await trx.deleteFrom('parked_statuses').where('tenant_id', '=', tenantId).where('wa_message_id', '=', waMessageId).execute();
    });
  }

  async markFailed(tenantId: string, id: string, error: { code: number | null; detail: string }, now: number): Promise<void> {
    await this.batcher.run((trx) => trx
      .updateTable('outbox')
      .set({ state: 'failed', error_code: error.code, error_detail: storableText(dialectOf(trx), error.detail.slice(0, 1000)), updated_at: now, attempts: (eb) => eb('attempts', '+', 1) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', Number(id))
      .execute());
  }

  async recordAttempt(tenantId: string, id: string, detail: string, now: number): Promise<void> {
    await this.batcher.run((trx) => trx
      .updateTable('outbox')
      .set({ error_detail: storableText(dialectOf(trx), detail.slice(0, 1000)), updated_at: now, attempts: (eb) => eb('attempts', '+', 1) })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', Number(id))
      .execute());
  }

  async pendingRecipients(): Promise<Array<{ tenantId: string; recipientId: string }>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['tenant_id', 'recipient_id'])
      .where('state', '=', PENDING)
      .groupBy(['tenant_id', 'recipient_id'])
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, recipientId: row.recipient_id }));
  }

  async dropParkedStatuses(beforeMs: number): Promise<number> {
    const result = await this.batcher.run((trx) => trx.deleteFrom('parked_statuses').where('received_at', '<', beforeMs).executeTakeFirst());
    return Number(result.numDeletedRows);
  }

  async list(filter: { tenantId: string; recipientId?: string; limit?: number }): Promise<OutboxMessage[]> {
    let query = this.db.selectFrom('outbox').selectAll().where('tenant_id', '=', filter.tenantId).orderBy('id', 'desc').limit(Math.min(filter.limit ?? 50, 500));
    if (filter.recipientId !== undefined) query = query.where('recipient_id', '=', filter.recipientId);
    return (await query.execute()).map(toMessage);
  }
}

function toMessage(row: Selectable<Tables['outbox']>): OutboxMessage {
  const address: UserAddress = row.address_kind === 'bsuid' ? { kind: 'bsuid', value: row.recipient_id } : { kind: 'phone', value: row.recipient_id };
  return {
    id: String(row.id),
    tenantId: row.tenant_id,
    recipientId: row.recipient_id,
    address,
    kind: row.kind as OutboxKind,
    idempotencyKey: row.idempotency_key,
    body: JSON.parse(row.body) as Record<string, unknown>,
    ...(row.context_message_id ? { contextMessageId: row.context_message_id } : {}),
    state: row.state as OutboxState,
    attempts: row.attempts,
    waMessageId: row.wa_message_id,
    errorCode: row.error_code,
    errorDetail: row.error_detail,
    createdAt: Number(row.created_at),
  };
}
