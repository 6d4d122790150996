import { sql, type Transaction } from 'kysely';
import type { TenantStatus } from '../../ports/inbox.js';
import { dialectOf } from './dialect-of.js';
import { storableText } from './storable-text.js';
import type { Tables } from './tables.js';

/** Delivery states in the order they happen; a status never moves a message backwards. */
export const STATE_RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, read: 3, played: 3 };

/** The advisory-lock namespace (first key) of message ids; the second key is a hash of tenant and wamid. */
const MESSAGE_LOCKS = 0x5357_4d31;

/**
 * PostgreSQL: serialises the transactions that record a send (`markSent`) and apply statuses of the same
 * messages. Without it a status read before the send commits is parked, and the send, not seeing the
 * uncommitted parked row either, never applies it; two statuses could also move a row backwards. Held
 * until commit, taken in a fixed order. SQLite runs one write transaction at a time: nothing to do.
 */
export async function lockMessageIds(trx: Transaction<Tables>, messages: Array<{ tenantId: string; waMessageId: string }>): Promise<void> {
  if (messages.length === 0 || dialectOf(trx) !== 'postgres') return;
  const keys = [...new Set(messages.map((message) => `${message.tenantId}/${message.waMessageId}`))].sort();
  await sql`SELECT pg_advisory_xact_lock(${MESSAGE_LOCKS}::int4, hashtext(key)) FROM unnest(${keys}::text[]) WITH ORDINALITY AS t(key, position) ORDER BY position`.execute(trx);
}

/**
 * Moves an outbound message forward. Returns false and parks the status when the message is not
 * known yet (the status overtook the recording of the send); `markSent` applies parked ones.
 */
export async function applyStatus(trx: Transaction<Tables>, status: TenantStatus, now: number): Promise<boolean> {
  const row = await trx
    .selectFrom('outbox')
    .select(['id', 'state'])
    .where('tenant_id', '=', status.tenantId)
    .where('wa_message_id', '=', status.waMessageId)
    .executeTakeFirst();
  if (!row) {
    await trx
      .insertInto('parked_statuses')
      .values({
        tenant_id: status.tenantId,
        wa_message_id: status.waMessageId,
        status: status.status,
        error_code: status.errorCode,
        error_detail: storableText(dialectOf(trx), status.errorTitle),
        received_at: now,
      })
      .execute();
    return false;
  }
  await moveForward(trx, row, status.status, status.errorCode, status.errorTitle, now);
  return true;
}

/** Applies one status to a known outbox row, forward only; `failed` is recorded whenever it comes. */
export async function moveForward(
  trx: Transaction<Tables>,
  row: { id: number; state: string },
  status: string,
  errorCode: number | null,
  errorDetail: string | null,
  now: number,
): Promise<void> {
  if (status === 'failed') {
    await trx
      .updateTable('outbox')
      .set({ state: 'failed', error_code: errorCode, error_detail: storableText(dialectOf(trx), errorDetail), updated_at: now })
      .where('id', '=', row.id)
      .execute();
    return;
  }
  const next = STATE_RANK[status];
  const current = STATE_RANK[row.state];
  if (next === undefined || row.state === 'failed' || (current !== undefined && current >= next)) return;
  const state = status === 'played' ? 'read' : status;
  await trx.updateTable('outbox').set({ state, updated_at: now }).where('id', '=', row.id).execute();
}
