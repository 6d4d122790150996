import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { AcceptResult, Inbox, TenantMessage, TenantStatus } from '../../ports/inbox.js';
import { applyStatus } from './apply-status.js';
import { scheduleJob } from './sql-job-queue.js';
import type { Tables } from './tables.js';

interface PendingBatch {
  messages: TenantMessage[];
  statuses: TenantStatus[];
  resolve: (result: AcceptResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The embedded inbox. Webhooks that arrive in the same event-loop turn are written in one
 * transaction (group commit): each request still gets its 200 only after its rows are committed,
 * but a burst of requests pays for one commit instead of one each.
 */
export class SqlInbox implements Inbox {
  private queue: PendingBatch[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly clock: Clock,
  ) {}

  accept(batch: { messages: TenantMessage[]; statuses: TenantStatus[] }): Promise<AcceptResult> {
    if (batch.messages.length === 0 && batch.statuses.length === 0) {
      return Promise.resolve({ accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...batch, resolve, reject });
      if (this.flushing === null) this.flushing = new Promise((done) => setImmediate(() => this.flush().finally(done)));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batches = this.queue;
      this.queue = [];
      try {
        const results = await this.db.transaction().execute((trx) => this.write(trx, batches));
        batches.forEach((batch, index) => batch.resolve(results[index]!));
      } catch (error) {
        for (const batch of batches) batch.reject(error);
      }
    }
    this.flushing = null;
  }

  private async write(trx: Transaction<Tables>, batches: PendingBatch[]): Promise<AcceptResult[]> {
    const now = this.clock.now();
    const results: AcceptResult[] = [];
    for (const batch of batches) {
      const result: AcceptResult = { accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 };
      const dueByConversation = new Map<string, TenantMessage>();
      if (batch.messages.length > 0) {
        const inserted = await trx
          .insertInto('inbound_messages')
          .values(
            batch.messages.map((message) => ({
              tenant_id: message.tenantId,
              user_id: message.userId,
              wa_message_id: message.waMessageId,
              address_kind: message.address.kind,
              type: message.type,
              text: message.text,
              ignored_reason: message.ignoredReason,
              contact_name: message.contactName,
              raw: message.rawJson,
              sent_at: message.timestampMs,
              received_at: now,
              state: message.text === null ? 'ignored' : 'pending',
            })),
          )
          .onConflict((conflict) => conflict.columns(['tenant_id', 'wa_message_id']).doNothing())
          .returning(['tenant_id', 'wa_message_id'])
          .execute();
        const fresh = new Set(inserted.map((row) => `${row.tenant_id}\u0000${row.wa_message_id}`));
        for (const message of batch.messages) {
          const key = `${message.tenantId}\u0000${message.waMessageId}`;
          if (!fresh.has(key)) {
            result.duplicates += 1;
            continue;
          }
          fresh.delete(key); // the same id twice in one body counts once
          result.accepted += 1;
          if (message.text === null) continue;
          const conversation = `${message.tenantId}\u0000${message.userId}`;
          const latest = dueByConversation.get(conversation);
          if (!latest || latest.turnDueAt <= message.turnDueAt) dueByConversation.set(conversation, message);
        }
      }
      for (const message of dueByConversation.values()) {
        await scheduleJob(
          trx,
          {
            name: 'conversation.turn',
            tenantId: message.tenantId,
            key: `turn:${message.tenantId}:${message.userId}`,
            payload: { tenantId: message.tenantId, userId: message.userId },
            runAt: message.turnDueAt,
            onExisting: 'replace',
          },
          now,
        );
      }
      for (const status of batch.statuses) {
        if (await applyStatus(trx, status, now)) result.statusesApplied += 1;
        else result.statusesParked += 1;
      }
      results.push(result);
    }
    return results;
  }
}
