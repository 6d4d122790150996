import type { Transaction } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { AcceptResult, Inbox, TenantMessage, TenantStatus } from '../../ports/inbox.js';
import { jobKeys } from '../../ports/job-keys.js';
import { applyStatus, lockMessageIds } from './apply-status.js';
import { dialectOf } from './dialect-of.js';
import { scheduleJobs } from './sql-job-queue.js';
import { QueryShape, rowsOf } from './query-shape.js';
import { storableText } from './storable-text.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';
import { coalesceWrites } from './coalesce-writes.js';

/**
 * The embedded inbox. Webhooks that arrive while a write is pending are written together, in one
 * multi-row insert inside the batcher's group commit: each request still gets its 200 only after
 * its rows are committed, but a burst of requests pays for one commit instead of one each.
 */
export class SqlInbox implements Inbox {
  private readonly store: (batch: InboundBatch) => Promise<AcceptResult>;

  constructor(batcher: WriteBatcher, clock: Clock) {
    this.store = coalesceWrites(batcher, async (trx, batches: InboundBatch[]) => (await storeInbound(trx, batches, clock.now())).results);
  }

  accept(batch: InboundBatch): Promise<AcceptResult> {
    if (batch.messages.length === 0 && batch.statuses.length === 0) {
      return Promise.resolve({ accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 });
    }
    return this.store(batch);
  }
}

type InboundBatch = { messages: TenantMessage[]; statuses: TenantStatus[] };

/**
 * Stores webhooks' messages and statuses in a transaction, as `Inbox.accept` promises: claims message ids, keeps one
 * pending turn per conversation, applies or parks statuses. One result per batch, and the messages stored for the
 * first time. Shared by the inbox and the webhook journal's distribution.
 */
export async function storeInbound(
  trx: Transaction<Tables>,
  batches: readonly InboundBatch[],
  now: number,
): Promise<{ results: AcceptResult[]; stored: TenantMessage[] }> {
  const results = batches.map(() => ({ accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 }));
  // All requests of the flush share one insert per chunk: the claim is the unique key.
  const all = batches.flatMap((batch, index) => batch.messages.map((message) => ({ message, index })));
  const fresh = new Set<string>();
  const dialect = dialectOf(trx);
  for (let start = 0; start < all.length; start += INSERT_CHUNK) {
    const chunk = all.slice(start, start + INSERT_CHUNK);
    const args = chunk.flatMap(({ message }) => [
      message.tenantId,
      message.userId,
      message.waMessageId,
      message.address.kind,
      message.type,
      storableText(dialect, message.text),
      message.ignoredReason,
      message.actionId,
      storableText(dialect, message.contactName),
      message.rawJson,
      message.timestampMs,
      now,
      message.text === null ? 'ignored' : 'pending',
    ]);
    const inserted = await insertMessages.rows(trx, args, chunk.length);
    for (const row of inserted) fresh.add(`${row.tenant_id}\u0000${row.wa_message_id}`);
  }
  const dueByConversation = new Map<string, TenantMessage>();
  const stored: TenantMessage[] = [];
  for (const { message, index } of all) {
    const key = `${message.tenantId}\u0000${message.waMessageId}`;
    const result = results[index]!;
    if (!fresh.delete(key)) {
      result.duplicates += 1; // claimed before, or twice in this flush
      continue;
    }
    result.accepted += 1;
    stored.push(message);
    if (message.text === null) continue;
    const conversation = `${message.tenantId}\u0000${message.userId}`;
    const latest = dueByConversation.get(conversation);
    if (!latest || latest.turnDueAt <= message.turnDueAt) dueByConversation.set(conversation, message);
  }
  const turns = [...dueByConversation.values()].map((message) => ({
    name: 'conversation.turn' as const,
    tenantId: message.tenantId,
    key: jobKeys.turn(message.tenantId, message.userId),
    payload: { tenantId: message.tenantId, userId: message.userId },
    runAt: message.turnDueAt,
    onExisting: 'replace' as const,
  }));
  for (let start = 0; start < turns.length; start += INSERT_CHUNK) {
    await scheduleJobs(trx, turns.slice(start, start + INSERT_CHUNK), now);
  }
  await lockMessageIds(trx, batches.flatMap((batch) => batch.statuses));
  for (const [index, batch] of batches.entries()) {
    for (const status of batch.statuses) {
      if (await applyStatus(trx, status, now)) results[index]!.statusesApplied += 1;
      else results[index]!.statusesParked += 1;
    }
  }
  return { results, stored };
}

/** Claims message ids: a repeated (tenant, wamid) inserts nothing and is not returned. */
const insertMessages = new QueryShape((db, slots, rows) =>
  db
    .insertInto('inbound_messages')
    .values(
      rowsOf(slots, rows).map(([tenantId, userId, waMessageId, addressKind, type, text, ignoredReason, actionId, contactName, raw, sentAt, receivedAt, state]) => ({
        tenant_id: tenantId,
        user_id: userId,
        wa_message_id: waMessageId,
        address_kind: addressKind,
        type,
        text,
        ignored_reason: ignoredReason,
        action_id: actionId,
        contact_name: contactName,
        raw,
        sent_at: sentAt,
        received_at: receivedAt,
        state,
      })),
    )
    .onConflict((conflict) => conflict.columns(['tenant_id', 'wa_message_id']).doNothing())
    .returning(['tenant_id', 'wa_message_id']),
);

/** Rows per multi-row insert: well under SQLite's and Postgres' bound-parameter limits. */
const INSERT_CHUNK = 100;
