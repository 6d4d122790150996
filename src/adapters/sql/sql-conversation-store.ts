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
import { SwitchboardError } from '../../shared/errors.js';
import { insertOutbox } from './sql-outbox.js';
import { scheduleJob } from './sql-job-queue.js';
import type { Tables } from './tables.js';
import { PENDING } from './pending.js';
import type { WriteBatcher } from './write-batcher.js';

/** Conversations, mailboxes and memory in SQL; every query is scoped by tenant id and user id. */
export class SqlConversationStore implements ConversationStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async openTurn(tenantId: string, userId: string, now: number) {
    const pending = await this.db
      .selectFrom('inbound_messages')
      .select(['id', 'wa_message_id', 'type', 'text', 'sent_at', 'received_at', 'address_kind', 'contact_name'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('state', '=', PENDING)
      .orderBy('id')
      .execute();
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
      sentAt: Number(row.sent_at),
      receivedAt: Number(row.received_at),
    }));
    return { conversation, pending: messages };
  }

  async history(tenantId: string, userId: string, sinceMs: number, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.db
      .selectFrom('history')
      .select(['role', 'content', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('created_at', '>=', sinceMs)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((row) => ({
      role: row.role as HistoryEntry['role'],
      content: row.content,
      createdAt: Number(row.created_at),
    }));
  }

  async commitTurn(tenantId: string, userId: string, commit: TurnCommit): Promise<void> {
    await this.batcher.run(async (trx) => {
      if (commit.messageIds.length > 0) {
        const claimed = await trx
          .updateTable('inbound_messages')
          .set({ state: commit.outcome, turn_id: commit.turnId })
          .where('tenant_id', '=', tenantId)
          .where('user_id', '=', userId)
          .where('state', '=', PENDING)
          .where('id', 'in', commit.messageIds.map(Number))
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== commit.messageIds.length) {
          throw new SwitchboardError({
            code: 'TURN_ALREADY_COMMITTED',
            message: `another worker already answered these messages of ${tenantId}; this turn's reply is dropped`,
          });
        }
      }
      if (commit.history.length > 0) {
        await trx
          .insertInto('history')
          .values(
            commit.history.map((entry) => ({
              tenant_id: tenantId,
              user_id: userId,
              role: entry.role,
              content: entry.content,
              turn_id: commit.turnId,
              created_at: commit.now,
            })),
          )
          .execute();
      }
      await insertOutbox(trx, commit.outbox, commit.now);
      const { conversation } = commit;
      const changes: Record<string, unknown> = {
        last_activity_at: commit.now,
        contact_name: conversation.contactName,
        last_inbound_at: sql`max(coalesce(conversations.last_inbound_at, 0), coalesce(excluded.last_inbound_at, 0))`,
      };
      if (commit.sessionStartedAt !== undefined) changes.session_started_at = commit.sessionStartedAt;
      if (commit.mode) {
        changes.mode = commit.mode.mode;
        changes.mode_reason = commit.mode.reason;
        changes.mode_changed_at = commit.now;
      }
      // Only what this turn changed is written: an agent's take-over during the turn is kept.
      await trx
        .insertInto('conversations')
        .values({
          tenant_id: tenantId,
          user_id: userId,
          address_kind: conversation.address.kind,
          contact_name: conversation.contactName,
          mode: commit.mode?.mode ?? conversation.mode,
          mode_reason: commit.mode?.reason ?? conversation.modeReason,
          mode_changed_at: commit.mode ? commit.now : conversation.modeChangedAt,
          session_started_at: commit.sessionStartedAt ?? conversation.sessionStartedAt,
          last_activity_at: commit.now,
          last_inbound_at: conversation.lastInboundAt,
          created_at: commit.now,
        })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'user_id']).doUpdateSet(changes as never))
        .execute();
      if (commit.modelCall) {
        const call = commit.modelCall;
        await trx
          .insertInto('model_calls')
          .values({
            tenant_id: tenantId,
            turn_id: commit.turnId,
            model: call.model,
            input_tokens: call.inputTokens,
            output_tokens: call.outputTokens,
            duration_ms: Math.round(call.durationMs),
            ok: call.ok ? 1 : 0,
            error_code: call.errorCode,
            created_at: commit.now,
          })
          .execute();
      }
      if (commit.escalation) {
        await trx
          .insertInto('escalations')
          .values({ tenant_id: tenantId, user_id: userId, kind: commit.escalation.kind, trigger: commit.escalation.trigger, created_at: commit.now })
          .execute();
      }
      if (commit.releaseAt !== undefined) {
        await scheduleJob(
          trx,
          {
            name: 'handoff.release',
            tenantId,
            key: `release:${tenantId}:${userId}`,
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
    const row = await this.db
      .selectFrom('conversations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
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

function toConversation(row: Selectable<Tables['conversations']>): Conversation {
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
