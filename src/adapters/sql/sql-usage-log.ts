import type { Kysely } from 'kysely';
import type { ModelCallRecord, UsageLog } from '../../ports/usage-log.js';
import type { Tables } from './tables.js';

export class SqlUsageLog implements UsageLog {
  constructor(private readonly db: Kysely<Tables>) {}

  async recordModelCall(record: ModelCallRecord): Promise<void> {
    await this.db
      .insertInto('model_calls')
      .values({
        tenant_id: record.tenantId,
        turn_id: record.turnId,
        model: record.model,
        input_tokens: record.inputTokens,
        output_tokens: record.outputTokens,
        duration_ms: Math.round(record.durationMs),
        ok: record.ok ? 1 : 0,
        error_code: record.errorCode,
        created_at: record.at,
      })
      .execute();
  }

  async tokensSince(tenantId: string, sinceMs: number): Promise<number> {
    const row = await this.db
      .selectFrom('model_calls')
      .select((eb) => eb.fn.sum<number>(eb('input_tokens', '+', eb.ref('output_tokens'))).as('tokens'))
      .where('tenant_id', '=', tenantId)
      .where('created_at', '>=', sinceMs)
      .executeTakeFirst();
    return Number(row?.tokens ?? 0);
  }
}
