import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  Conversation,
  ConversationMode,
  ConversationStore,
  HistoryEntry,
  MailboxMessage,
  TurnCommit,
} from '../../ports/conversation-store.js';
import type { UserAddress } from '../../ports/inbound.js';
import { jobKeys } from '../../ports/job-keys.js';
import { SwitchboardError } from '../../shared/errors.js';
import { insertOutbox } from './sql-outbox.js';
import { cancelJobs, scheduleJob } from './sql-job-queue.js';
import { dialectOf } from './dialect-of.js';
import { literalLimit } from './literal-limit.js';
import { QueryShape, rowsOf } from './query-shape.js';
import { storableText } from './storable-text.js';
import type { Tables } from './tables.js';
import { PENDING } from './pending.js';
import type { WriteBatcher } from './write-batcher.js';

const mailbox = new QueryShape((db, [tenantId, userId]) =>
  db
    .selectFrom('inbound_messages')
    .select(['id', 'wa_message_id', 'type', 'text', 'action_id', 'sent_at', 'received_at', 'address_kind', 'contact_name'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('state', '=', PENDING)
    .orderBy('id'),
);

/** The variant is the limit (see literalLimit). */
const recentHistory = new QueryShape((db, [tenantId, userId, sinceMs], limit) =>
  db
    .selectFrom('history')
    .select(['role', 'content', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('created_at', '>=', sinceMs)
    .orderBy('id', 'desc')
    .limit(sql.lit(limit)),
);

const conversationRow = new QueryShape((db, [tenantId, userId]) =>
  db.selectFrom('conversations').selectAll().where('tenant_id', '=', tenantId).where('user_id', '=', userId),
);

const consumeMessages = new QueryShape((db, [outcome, turnId, tenantId, userId, ...ids]) =>
  db
    .updateTable('inbound_messages')
    .set({ state: outcome, turn_id: turnId })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('state', '=', PENDING)
    .where('id', 'in', ids),
);

const appendHistory = new QueryShape((db, slots, rows) =>
  db.insertInto('history').values(
    rowsOf(slots, rows).map(([tenantId, userId, role, content, turnId, createdAt]) => ({
      tenant_id: tenantId,
      user_id: userId,
      role,
      content,
      turn_id: turnId,
      created_at: createdAt,
    })),
  ),
);

const NEW_SESSION = 1;
const MODE_CHANGE = 2;

/** Creates the conversation or updates what a turn changes; the variant says which optional parts changed. */
const saveConversation = new QueryShape((db, [tenantId, userId, addressKind, contactName, mode, modeReason, modeChangedAt, sessionStartedAt, now, lastInboundAt], variant, dialect) =>
  db
    .insertInto('conversations')
    .values({
      tenant_id: tenantId,
      user_id: userId,
      address_kind: addressKind,
      contact_name: contactName,
      mode,
      mode_reason: modeReason,
      mode_changed_at: modeChangedAt,
      session_started_at: sessionStartedAt,
      last_activity_at: now,
      last_inbound_at: lastInboundAt,
      created_at: now,
    })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'user_id']).doUpdateSet({
        last_activity_at: sql`excluded.last_activity_at`,
        contact_name: sql`excluded.contact_name`,
        // The larger of two values: SQLite's scalar max(a, b) is PostgreSQL's greatest(a, b).
        last_inbound_at: sql`${sql.raw(dialect === 'postgres' ? 'greatest' : 'max')}(coalesce(conversations.last_inbound_at, 0), coalesce(excluded.last_inbound_at, 0))`,
        ...(variant & NEW_SESSION ? { session_started_at: sql`excluded.session_started_at` } : {}),
        ...(variant & MODE_CHANGE
          ? { mode: sql`excluded.mode`, mode_reason: sql`excluded.mode_reason`, mode_changed_at: sql`excluded.mode_changed_at` }
          : {}),
      }),
    ),
);

const recordModelCall = new QueryShape((db, [tenantId, turnId, model, inputTokens, outputTokens, durationMs, ok, errorCode, createdAt]) =>
  db.insertInto('model_calls').values({
    tenant_id: tenantId,
    turn_id: turnId,
    model,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    duration_ms: durationMs,
    ok,
    error_code: errorCode,
    created_at: createdAt,
  }),
);

/** Conversations, mailboxes and memory in SQL; every query is scoped by tenant id and user id. */
export class SqlConversationStore implements ConversationStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async openTurn(tenantId: string, userId: string, now: number) {
    const pending = await mailbox.rows(this.db, [tenantId, userId]);
    if (pending.length === 0) return null;
    // Meta does not promise order: sort by the user's timestamp, ties in arrival order.
    pending.sort((a, b) => Number(a.sent_at) - Number(b.sent_at) || a.id - b.id);
    const newest = pending[pending.length - 1]!;
    const lastInboundAt = Math.max(...pending.map((message) => Number(message.received_at)));
    const stored = await this.get(tenantId, userId);
    const conversation: Conversation = stored
      ? { ...stored, contactName: newest.contact_name ?? stored.contactName, lastInboundAt: Math.max(stored.lastInboundAt ?? 0, lastInboundAt) }
      : {
          tenantId,
          userId,
          address: newest.address_kind === 'bsuid' ? { kind: 'bsuid', value: userId } : { kind: 'phone', value: userId },
          contactName: newest.contact_name,
          mode: 'bot',
          modeReason: null,
          modeChangedAt: null,
          sessionStartedAt: now,
          lastActivityAt: now,
          lastInboundAt,
        };
    const messages: MailboxMessage[] = pending.map((row) => ({
      id: String(row.id),
      waMessageId: row.wa_message_id,
      type: row.type,
      text: row.text ?? '',
      actionId: row.action_id,
      sentAt: Number(row.sent_at),
      receivedAt: Number(row.received_at),
    }));
    return { conversation, pending: messages };
  }

  async history(tenantId: string, userId: string, sinceMs: number, limit: number): Promise<HistoryEntry[]> {
    const rows = await recentHistory.rows(this.db, [tenantId, userId, sinceMs], literalLimit(limit));
    return rows.reverse().map((row) => ({
      role: row.role as HistoryEntry['role'],
      content: row.content,
      createdAt: Number(row.created_at),
    }));
  }

  async commitTurn(tenantId: string, userId: string, commit: TurnCommit): Promise<void> {
    await this.batcher.run(async (trx) => {
      if (commit.messageIds.length > 0) {
        const claimed = await consumeMessages.run(trx, [commit.outcome, commit.turnId, tenantId, userId, ...commit.messageIds.map(Number)], commit.messageIds.length);
        if (Number(claimed.numAffectedRows ?? 0) !== commit.messageIds.length) {
          throw new SwitchboardError({
            code: 'TURN_ALREADY_COMMITTED',
            message: `another worker already answered these messages of ${tenantId}; this turn's reply is dropped`,
          });
        }
      }
      if (commit.history.length > 0) {
        const dialect = dialectOf(trx);
        const args = commit.history.flatMap((entry) => [tenantId, userId, entry.role, storableText(dialect, entry.content), commit.turnId, commit.now]);
        await appendHistory.run(trx, args, commit.history.length);
      }
      await insertOutbox(trx, commit.outbox, commit.now);
      const { conversation } = commit;
      // Only what this turn changed is written: an agent's take-over during the turn is kept.
      const variant = (commit.sessionStartedAt !== undefined ? NEW_SESSION : 0) | (commit.mode ? MODE_CHANGE : 0);
      await saveConversation.run(
        trx,
        [
          tenantId,
          userId,
          conversation.address.kind,
          conversation.contactName,
          commit.mode?.mode ?? conversation.mode,
          commit.mode?.reason ?? conversation.modeReason,
          commit.mode ? commit.now : conversation.modeChangedAt,
          commit.sessionStartedAt ?? conversation.sessionStartedAt,
          commit.now,
          conversation.lastInboundAt,
        ],
        variant,
      );
      if (commit.modelCall) {
        const call = commit.modelCall;
        await recordModelCall.run(trx, [
          tenantId,
          commit.turnId,
          call.model,
          call.inputTokens,
          call.outputTokens,
          Math.round(call.durationMs),
          call.ok ? 1 : 0,
          call.errorCode,
          commit.now,
        ]);
      }
      if (commit.escalation) {
        await trx
          .insertInto('escalations')
          .values({ tenant_id: tenantId, user_id: userId, kind: commit.escalation.kind, trigger: commit.escalation.trigger, created_at: commit.now })
          .execute();
      }
      for (const job of commit.jobs ?? []) await scheduleJob(trx, job, commit.now);
      await cancelJobs(trx, tenantId, commit.cancelJobs ?? []);
      if (commit.releaseAt !== undefined) {
        await scheduleJob(
          trx,
          {
            name: 'handoff.release',
            tenantId,
            key: jobKeys.release(tenantId, userId),
            payload: { tenantId, userId },
            runAt: commit.releaseAt,
            onExisting: 'replace',
          },
          commit.now,
        );
      }
    });
  }

  async get(tenantId: string, userId: string): Promise<Conversation | null> {
    const [row] = await conversationRow.rows(this.db, [tenantId, userId]);
    return row ? toConversation(row) : null;
  }

  async setMode(tenantId: string, userId: string, mode: ConversationMode, reason: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('conversations')
      .set({ mode, mode_reason: reason, mode_changed_at: now, last_activity_at: now })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('mode', '!=', mode)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async list(filter: { tenantId?: string; mode?: ConversationMode; limit?: number }): Promise<Conversation[]> {
    let query = this.db.selectFrom('conversations').selectAll().orderBy('last_activity_at', 'desc').limit(Math.min(filter.limit ?? 50, 500));
    if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
    return (await query.execute()).map(toConversation);
  }
}

/** A conversations row in the pipeline's terms (also used by the operators' queries). */
export function toConversation(row: Selectable<Tables['conversations']>): Conversation {
  const address: UserAddress = row.address_kind === 'bsuid' ? { kind: 'bsuid', value: row.user_id } : { kind: 'phone', value: row.user_id };
  return {
    tenantId: row.tenant_id,
    userId: row.user_id,
    address,
    contactName: row.contact_name,
    mode: row.mode as ConversationMode,
    modeReason: row.mode_reason,
    modeChangedAt: row.mode_changed_at === null ? null : Number(row.mode_changed_at),
    sessionStartedAt: Number(row.session_started_at),
    lastActivityAt: Number(row.last_activity_at),
    lastInboundAt: row.last_inbound_at === null ? null : Number(row.last_inbound_at),
  };
}
