import type { ContextCache } from '../../ports/context-cache.js';
import type { FollowUpLog, FollowUpOutcome, FollowUpRecord } from '../../ports/follow-up-log.js';
import type { OutboxDraft } from '../../ports/outbox.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

/**
 * A FollowUpLog whose sends, which add an entry to the conversation's history in their own transaction, drop the
 * conversation's cached window afterwards (the next turn reads the database), and wake the job relay.
 */
export class AfterCommitFollowUpLog implements FollowUpLog {
  constructor(
    private readonly inner: FollowUpLog,
    private readonly options: { context: ContextCache; onCommitted?: () => void; log: Logger },
  ) {}

  async record(tenantId: string, record: FollowUpRecord, send: { draft: OutboxDraft; historyText: string } | null, now: number): Promise<boolean> {
    const recorded = await this.inner.record(tenantId, record, send, now);
    if (recorded && send) {
      this.options.onCommitted?.();
      await this.options.context
        .invalidate(tenantId, record.userId)
        .catch((error: unknown) => this.options.log.warn({ tenantId, ...describeError(error) }, 'context.update_failed'));
    }
    return recorded;
  }

  has(tenantId: string, occurrence: string): Promise<boolean> {
    return this.inner.has(tenantId, occurrence);
  }

  list(tenantId: string, filter: { outcome?: FollowUpOutcome; limit: number }) {
    return this.inner.list(tenantId, filter);
  }
}
