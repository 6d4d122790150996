import type { TenantMessage, TenantStatus } from '../ports/inbox.js';
import type { JournalEntry, WebhookJournal } from '../ports/webhook-journal.js';
import { describeError } from '../shared/errors.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { parseEnvelope } from './parse-envelope.js';
import { reportStored } from './report-stored.js';
import { toTenantBatch, type TenantBatchReporting } from './tenant-batch.js';
import type { OnStored } from './webhook-intake.js';

export interface JournalDrainerOptions extends TenantBatchReporting {
  journal: WebhookJournal;
  tenants: () => TenantRegistry;
  onStored: OnStored;
  /** Also look every this many ms (bodies appended by another process); 0: only when kicked. */
  pollMs: number;
  /** Entries per pass (one transaction). */
  batchSize?: number;
}

/** Waits after a failed pass: the entries stay in the journal, so a database hiccup only delays them. */
const RETRY_MS = [100, 500, 2000, 5000];

/**
 * Moves journaled webhooks into the conversations' mailboxes, one pass (transaction) at a time, oldest first, so
 * that messages keep the order they were received in. Kicked after each local append; a pass that fails is retried
 * with back-off and loses nothing.
 */
export class JournalDrainer {
  private active = false;
  private running: Promise<void> | null = null;
  private again = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;

  constructor(private readonly options: JournalDrainerOptions) {}

  /** Distributes what an earlier run left in the journal, then keeps up with new entries. */
  start(): void {
    if (this.active) return;
    this.active = true;
    if (this.options.pollMs > 0) {
      this.poller = setInterval(() => this.kick(), this.options.pollMs);
      this.poller.unref();
    }
    this.kick();
  }

  /** New entries: distribute them as soon as the current pass is done. */
  kick(): void {
    if (!this.active || this.timer) return;
    this.again = true;
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) this.kick(); // kicked after the last pass had looked
    });
  }

  /** Stops looking; the pass under way finishes, then whatever is left is distributed before this resolves. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.poller) clearInterval(this.poller);
    if (this.timer) clearTimeout(this.timer);
    this.poller = this.timer = null;
    await this.running;
    this.again = true;
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.again) {
      this.again = false;
      if (!(await this.pass())) return;
    }
  }

  /** One transaction's worth; false when it failed (a retry is scheduled while active). */
  private async pass(): Promise<boolean> {
    const limit = this.options.batchSize ?? 256;
    try {
      let received: TenantMessage[] = [];
      const { taken, stored, result } = await this.options.journal.distribute(limit, (entries) => {
        const batch = this.toBatch(entries);
        received = batch.messages;
        return batch;
      });
      this.failures = 0;
      if (taken === limit) this.again = true;
      if (result.accepted > 0) this.options.onStored(stored);
      reportStored(received, result, this.options);
      return true;
    } catch (error) {
      const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)]!;
      this.failures += 1;
      this.options.log.error({ retryInMs: delay, ...describeError(error) }, 'journal.distribute_failed');
      if (this.active) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.kick();
        }, delay);
        this.timer.unref();
      }
      return false;
    }
  }

  private toBatch(entries: JournalEntry[]): { messages: TenantMessage[]; statuses: TenantStatus[] } {
    const registry = this.options.tenants();
    const messages: TenantMessage[] = [];
    const statuses: TenantStatus[] = [];
    for (const entry of entries) {
      let body: unknown;
      try {
        body = JSON.parse(entry.body);
      } catch {
        // It was parsed before it was appended: only a damaged database gets here, and retrying cannot help.
        this.options.log.error({ entryId: entry.id, bytes: entry.body.length }, 'journal.entry_unreadable');
        continue;
      }
      const envelope = parseEnvelope(body, entry.receivedAtMs);
      if (!envelope) continue;
      const batch = toTenantBatch(envelope, registry, entry.receivedAtMs, this.options);
      messages.push(...batch.messages);
      statuses.push(...batch.statuses);
    }
    return { messages, statuses };
  }
}
