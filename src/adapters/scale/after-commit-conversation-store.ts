import type { ContextCache, ContextWindowOptions } from '../../ports/context-cache.js';
import type { ConversationMode, ConversationStore, TurnCommit } from '../../ports/conversation-store.js';
import type { JobQueue } from '../../ports/job-queue.js';
import { describeError, SwitchboardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';

export interface AfterCommitOptions {
  /** The hot history windows: every committed turn's history is appended; a superseded turn drops the window. */
  context: ContextCache;
  /** The window of a tenant's conversations; null for an unknown tenant (nothing is cached). */
  window: (tenantId: string) => ContextWindowOptions | null;
  /**
   * Scale mode: the BullMQ queue. The commit removes cancelled jobs from the SQL `jobs` table only (BullMQ is not
   * in its transaction), so they are cancelled there too, after the commit.
   */
  queue?: JobQueue;
  /** Told after each commit (the job relay: the commit may have written job rows). */
  onCommitted?: () => void;
  log: Logger;
}

/**
 * A ConversationStore that keeps what lives outside its transaction in step after each `commitTurn`: the context
 * cache (every writer of history commits through here: turns, staff replies) and, in scale mode, cancels on
 * BullMQ. Reads pass through. Failures after the commit are logged, never thrown: the commit stands, a stale
 * window is dropped, and a job that could not be cancelled re-reads what it is about when it runs.
 */
export class AfterCommitConversationStore implements ConversationStore {
  constructor(
    private readonly inner: ConversationStore,
    private readonly options: AfterCommitOptions,
  ) {}

  openTurn(tenantId: string, userId: string, now: number) {
    return this.inner.openTurn(tenantId, userId, now);
  }

  history(tenantId: string, userId: string, sinceMs: number, limit: number) {
    return this.inner.history(tenantId, userId, sinceMs, limit);
  }

  get(tenantId: string, userId: string) {
    return this.inner.get(tenantId, userId);
  }

  setMode(tenantId: string, userId: string, mode: ConversationMode, reason: string, now: number) {
    return this.inner.setMode(tenantId, userId, mode, reason, now);
  }

  list(filter: { tenantId?: string; mode?: ConversationMode; limit?: number }) {
    return this.inner.list(filter);
  }

  async commitTurn(tenantId: string, userId: string, commit: TurnCommit): Promise<void> {
    const { context, log } = this.options;
    try {
      await this.inner.commitTurn(tenantId, userId, commit);
    } catch (error) {
      if (error instanceof SwitchboardError && error.code === 'TURN_ALREADY_COMMITTED') {
        // Another worker's turn wrote this history: whatever this process cached may be behind it.
        await context.invalidate(tenantId, userId).catch((inner: unknown) => log.warn({ tenantId, ...describeError(inner) }, 'context.update_failed'));
      }
      throw error;
    }
    this.options.onCommitted?.();
    const window = this.options.window(tenantId);
    if (window && commit.history.length > 0) {
      const entries = commit.history.map((entry) => ({ role: entry.role, content: entry.content, createdAt: commit.now }));
      try {
        await context.append(tenantId, userId, entries, window);
      } catch (error) {
        log.warn({ tenantId, ...describeError(error) }, 'context.update_failed');
        await context.invalidate(tenantId, userId).catch(() => {});
      }
    }
    for (const key of commit.cancelJobs ?? []) {
      await this.options.queue?.cancel(tenantId, key).catch((error: unknown) => log.warn({ tenantId, key, ...describeError(error) }, 'job.cancel_failed'));
    }
  }
}
