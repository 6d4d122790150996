import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Conversation, ConversationMode } from '../../ports/conversation-store.js';
import {
  FIGURE_SLOT_MS,
  type ConversationPosition,
  type OperationsQueries,
  type SlotCount,
  type TenantActivity,
  type TenantActivitySummary,
  type TranscriptEntry,
  type TranscriptPosition,
} from '../../ports/operations-queries.js';
import type { OutboxKind, OutboxState } from '../../ports/outbox.js';
import { PENDING } from './pending.js';
import { toConversation } from './sql-conversation-store.js';
import type { Tables } from './tables.js';

const HOUR_MS = 60 * 60 * 1000;
/** A bound on any page, whatever the caller asks. */
const MAX_PAGE = 1000;
/** Outbox kinds that answer a user's turn; their idempotency keys start with the turn id (`turn_…:0`, `turn_…:user`). */
const TURN_ANSWERS: OutboxKind[] = ['reply', 'escalation', 'fallback'];

type SlottedTable = 'inbound_messages' | 'outbox' | 'escalations' | 'appointments' | 'orders' | 'model_calls';

/** The start of a column's 15-minute slot: integer division on both SQLite and PostgreSQL (bigint / int). */
function slotOf(column: string) {
  return sql<number>`(${sql.ref(column)} / ${sql.lit(FIGURE_SLOT_MS)}) * ${sql.lit(FIGURE_SLOT_MS)}`;
}

/** Operators' reads in SQL, over the pipeline's own tables. Every query names its tenant(s). */
export class SqlOperationsQueries implements OperationsQueries {
  constructor(private readonly db: Kysely<Tables>) {}

  async summaries(tenantIds: readonly string[], now: number): Promise<Map<string, TenantActivitySummary>> {
    const result = new Map<string, TenantActivitySummary>();
    if (tenantIds.length === 0) return result;
    const ids = [...tenantIds];
    const [recent, pending, newest] = await Promise.all([
      this.db
        .selectFrom('inbound_messages')
        .select(['tenant_id', (eb) => eb.fn.countAll<number>().as('count')])
        .where('tenant_id', 'in', ids)
        .where('received_at', '>=', now - HOUR_MS)
        .groupBy('tenant_id')
        .execute(),
      this.db
        .selectFrom('inbound_messages')
        .select(['tenant_id', (eb) => eb.fn.count<number>('user_id').distinct().as('count')])
        .where('tenant_id', 'in', ids)
        .where('state', '=', PENDING)
        .groupBy('tenant_id')
        .execute(),
      // One indexed max() per tenant: cheaper than grouping every message of every tenant.
      Promise.all(
        ids.map(async (tenantId) => {
          const row = await this.db
            .selectFrom('inbound_messages')
            .select((eb) => eb.fn.max('received_at').as('at'))
            .where('tenant_id', '=', tenantId)
            .executeTakeFirst();
          return [tenantId, row?.at === null || row?.at === undefined ? null : Number(row.at)] as const;
        }),
      ),
    ]);
    for (const tenantId of ids) result.set(tenantId, { messagesLastHour: 0, pendingTurns: 0, lastInboundAt: null });
    for (const row of recent) result.get(row.tenant_id)!.messagesLastHour = Number(row.count);
    for (const row of pending) result.get(row.tenant_id)!.pendingTurns = Number(row.count);
    for (const [tenantId, at] of newest) result.get(tenantId)!.lastInboundAt = at;
    return result;
  }

  async conversations(filter: {
    tenantIds: readonly string[] | null;
    mode?: ConversationMode;
    since?: number;
    until?: number;
    after?: ConversationPosition;
    limit: number;
  }): Promise<Conversation[]> {
    if (filter.tenantIds !== null && filter.tenantIds.length === 0) return [];
    let query = this.db
      .selectFrom('conversations')
      .selectAll()
      .orderBy('last_activity_at', 'desc')
      .orderBy('tenant_id', 'desc')
      .orderBy('user_id', 'desc')
      .limit(Math.min(filter.limit, MAX_PAGE));
    if (filter.tenantIds !== null) query = query.where('tenant_id', 'in', [...filter.tenantIds]);
    if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
    if (filter.since !== undefined) query = query.where('last_activity_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('last_activity_at', '<', filter.until);
    const after = filter.after;
    if (after) {
      // A row-value comparison: the same keyset on SQLite (3.15+) and PostgreSQL.
      query = query.where((eb) =>
        eb(eb.refTuple('last_activity_at', 'tenant_id', 'user_id'), '<', eb.tuple(after.lastActivityAt, after.tenantId, after.userId)),
      );
    }
    return (await query.execute()).map(toConversation);
  }

  async transcript(tenantId: string, userId: string, page: { before?: TranscriptPosition; limit: number }): Promise<TranscriptEntry[]> {
    const limit = Math.min(page.limit, MAX_PAGE);
    const before = page.before;
    // Entries are ordered by (time, side, id), the inbound side first on a tie. Each side is read up
    // to `limit` rows before the position, then the two are merged.
    const [inbound, outbound] = await Promise.all([
      this.db
        .selectFrom('inbound_messages')
        .select(['id', 'wa_message_id', 'type', 'text', 'ignored_reason', 'state', 'received_at'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .$if(before !== undefined, (query) =>
          query.where((eb) =>
            before!.direction === 'in'
              ? eb(eb.refTuple('received_at', 'id'), '<', eb.tuple(before!.at, before!.id))
              : eb('received_at', '<=', before!.at),
          ),
        )
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
      this.db
        .selectFrom('outbox')
        .select(['id', 'kind', 'body', 'state', 'wa_message_id', 'sent_at', 'error_code', 'error_detail', 'created_at'])
        .where('tenant_id', '=', tenantId)
        .where('recipient_id', '=', userId)
        .$if(before !== undefined, (query) =>
          query.where((eb) =>
            before!.direction === 'out'
              ? eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before!.at, before!.id))
              : eb('created_at', '<', before!.at),
          ),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    ]);
    const entries: TranscriptEntry[] = [
      ...inbound.map(
        (row): TranscriptEntry => ({
          direction: 'in',
          id: Number(row.id),
          at: Number(row.received_at),
          waMessageId: row.wa_message_id,
          type: row.type,
          text: row.text,
          ignoredReason: row.ignored_reason,
          state: row.state,
        }),
      ),
      ...outbound.map(
        (row): TranscriptEntry => ({
          direction: 'out',
          id: Number(row.id),
          at: Number(row.created_at),
          kind: row.kind as OutboxKind,
          body: JSON.parse(row.body) as Record<string, unknown>,
          state: row.state as OutboxState,
          waMessageId: row.wa_message_id,
          sentAt: row.sent_at === null ? null : Number(row.sent_at),
          errorCode: row.error_code,
          errorDetail: row.error_detail,
        }),
      ),
    ];
    entries.sort((a, b) => b.at - a.at || (a.direction === b.direction ? b.id - a.id : a.direction === 'out' ? -1 : 1));
    return entries.slice(0, limit);
  }

  async activity(tenantId: string, window: { from: number; to: number }): Promise<TenantActivity> {
    const { from, to } = window;
    /** Rows of `table` whose `column` is in the window, counted (or their tokens summed) per slot. */
    const slotted = async (table: SlottedTable, column: string, condition: RawBuilder<unknown> = sql``, amount = sql`count(*)`): Promise<SlotCount[]> => {
      const slot = slotOf(column);
      const { rows } = await sql<{ slot: number | string; amount: number | string | null }>`
        select ${slot} as slot, ${amount} as amount from ${sql.table(table)}
        where tenant_id = ${tenantId} and ${sql.ref(column)} >= ${from} and ${sql.ref(column)} < ${to} ${condition}
        group by ${slot} order by ${slot}`.execute(this.db);
      return rows.map((row) => ({ slot: Number(row.slot), count: Number(row.amount ?? 0) }));
    };
    const [messagesIn, messagesOut, escalations, bookings, ordersPlaced, ordersPendingReview, modelTokens, turnRows, answerRows, leadRows] = await Promise.all([
      slotted('inbound_messages', 'received_at'),
      slotted('outbox', 'sent_at'),
      slotted('escalations', 'created_at'),
      slotted('appointments', 'updated_at', sql`and status = 'confirmed'`),
      slotted('orders', 'created_at'),
      slotted('orders', 'created_at', sql`and status = 'pending_review'`),
      slotted('model_calls', 'created_at', sql``, sql`sum(input_tokens + output_tokens)`),
      this.db
        .selectFrom('inbound_messages')
        .select(['turn_id', (eb) => eb.fn.min('received_at').as('first_at')])
        .where('tenant_id', '=', tenantId)
        .where('received_at', '>=', from)
        .where('received_at', '<', to)
        .where('turn_id', 'is not', null)
        .groupBy('turn_id')
        .execute(),
      // Answers of turns near the window's end may be sent just after it.
      this.db
        .selectFrom('outbox')
        .select(['idempotency_key', 'sent_at'])
        .where('tenant_id', '=', tenantId)
        .where('sent_at', '>=', from)
        .where('sent_at', '<', to + HOUR_MS)
        .where('kind', 'in', TURN_ANSWERS)
        .execute(),
      this.db.selectFrom('leads').select(['user_id', 'fields', 'updated_at']).where('tenant_id', '=', tenantId).where('updated_at', '>=', from).where('updated_at', '<', to).execute(),
    ]);
    const firstAnswer = new Map<string, number>();
    for (const row of answerRows) {
      if (row.sent_at === null) continue;
      const turnId = row.idempotency_key.slice(0, row.idempotency_key.indexOf(':'));
      const sentAt = Number(row.sent_at);
      const known = firstAnswer.get(turnId);
      if (known === undefined || sentAt < known) firstAnswer.set(turnId, sentAt);
    }
    return {
      messagesIn,
      messagesOut,
      escalations,
      bookings,
      ordersPlaced,
      ordersPendingReview,
      modelTokens,
      turns: turnRows.map((row) => ({
        turnId: row.turn_id!,
        firstInboundAt: Number(row.first_at),
        firstReplySentAt: firstAnswer.get(row.turn_id!) ?? null,
      })),
      leads: leadRows.map((row) => ({ userId: row.user_id, fields: JSON.parse(row.fields) as Record<string, unknown>, updatedAt: Number(row.updated_at) })),
    };
  }
}
