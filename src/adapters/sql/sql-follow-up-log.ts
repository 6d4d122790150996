import type { Kysely } from 'kysely';
import type { FollowUpEntry, FollowUpLog, FollowUpOutcome, FollowUpRecord } from '../../ports/follow-up-log.js';
import type { OutboxDraft } from '../../ports/outbox.js';
import { insertOutbox } from './sql-outbox.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

/** The follow-up record in SQL: one row per occurrence (unique), written with its outbox message and history entry. */
export class SqlFollowUpLog implements FollowUpLog {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  async record(tenantId: string, record: FollowUpRecord, send: { draft: OutboxDraft; historyText: string } | null, now: number): Promise<boolean> {
    return this.batcher.run(async (trx) => {
      const inserted = await trx
        .insertInto('follow_up_log')
        .values({
          tenant_id: tenantId,
          user_id: record.userId,
          job_key: record.key,
          occurrence: record.occurrence,
          rule_id: record.ruleId,
          trigger: record.trigger,
          subject_id: record.subjectId,
          outcome: record.outcome,
          via: record.via,
          reason: record.reason,
          outbox_key: record.outboxKey,
          created_at: now,
        })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'occurrence']).doNothing())
        .returning('id')
        .execute();
      if (inserted.length === 0) return false;
      if (send) {
        await insertOutbox(trx, [send.draft], now);
        await trx
          .insertInto('history')
          .values({ tenant_id: tenantId, user_id: record.userId, role: 'assistant', content: send.historyText, turn_id: record.occurrence, created_at: now })
          .execute();
      }
      return true;
    });
  }

  async has(tenantId: string, occurrence: string): Promise<boolean> {
    const row = await this.db.selectFrom('follow_up_log').select('id').where('tenant_id', '=', tenantId).where('occurrence', '=', occurrence).executeTakeFirst();
    return row !== undefined;
  }

  async list(tenantId: string, filter: { outcome?: FollowUpOutcome; limit: number }): Promise<FollowUpEntry[]> {
    let query = this.db
      .selectFrom('follow_up_log')
      .leftJoin('outbox', (join) => join.onRef('outbox.idempotency_key', '=', 'follow_up_log.outbox_key').onRef('outbox.tenant_id', '=', 'follow_up_log.tenant_id'))
      .select([
        'follow_up_log.job_key',
        'follow_up_log.occurrence',
        'follow_up_log.rule_id',
        'follow_up_log.trigger',
        'follow_up_log.user_id',
        'follow_up_log.subject_id',
        'follow_up_log.outcome',
        'follow_up_log.via',
        'follow_up_log.reason',
        'follow_up_log.outbox_key',
        'follow_up_log.created_at',
        'outbox.state as delivery_state',
        'outbox.error_code as delivery_error_code',
        'outbox.error_detail as delivery_error_detail',
      ])
      .where('follow_up_log.tenant_id', '=', tenantId)
      .orderBy('follow_up_log.id', 'desc')
      .limit(Math.min(filter.limit, 500));
    if (filter.outcome) query = query.where('follow_up_log.outcome', '=', filter.outcome);
    const rows = await query.execute();
    return rows.map((row) => ({
      key: row.job_key,
      occurrence: row.occurrence,
      ruleId: row.rule_id,
      trigger: row.trigger,
      userId: row.user_id,
      subjectId: row.subject_id,
      outcome: row.outcome as FollowUpOutcome,
      via: row.via as FollowUpEntry['via'],
      reason: row.reason,
      outboxKey: row.outbox_key,
      at: Number(row.created_at),
      delivery: row.delivery_state ? { state: row.delivery_state, errorCode: row.delivery_error_code ?? null, errorDetail: row.delivery_error_detail ?? null } : null,
    }));
  }
}
