import type { Deduper } from '../ports/deduper.js';
import type { Inbox, TenantMessage } from '../ports/inbox.js';
import { describeError } from '../shared/errors.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { parseEnvelope } from './parse-envelope.js';
import { reportStored } from './report-stored.js';
import { toTenantBatch, type TenantBatchReporting } from './tenant-batch.js';
import type { OnStored, WebhookIntake } from './webhook-intake.js';

export interface DirectIntakeOptions extends TenantBatchReporting {
  tenants: () => TenantRegistry;
  inbox: Inbox;
  onStored: OnStored;
  /**
   * A fast pre-check for redeliveries (Redis in scale mode): ids it knows are skipped before the database, and
   * ids are claimed there once committed. The inbox's unique claim stays the truth; a failing deduper is skipped.
   */
  deduper?: Deduper;
}

/**
 * Stores an envelope's messages straight into the conversations' mailboxes before the 200 (scale mode: any number
 * of api processes, one PostgreSQL round trip, redeliveries answered by Redis first).
 */
export class DirectIntake implements WebhookIntake {
  constructor(private readonly options: DirectIntakeOptions) {}

  async accept(body: unknown, _raw: string, receivedAtMs: number): Promise<void> {
    const { inbox, deduper, onStored } = this.options;
    const envelope = parseEnvelope(body, receivedAtMs);
    if (!envelope) return; // the route checked the envelope's shape
    const { messages, statuses } = toTenantBatch(envelope, this.options.tenants(), receivedAtMs, this.options);
    const known = await this.knownRedeliveries(messages);
    const fresh = known.size === 0 ? messages : messages.filter((message) => !known.has(message));
    // Any failure here is a 500: Meta redelivers, and the unique message ids make the retry safe.
    const stored = await inbox.accept({ messages: fresh, statuses });
    const result = { ...stored, duplicates: stored.duplicates + known.size };
    if (deduper && fresh.length > 0) {
      // Only now that they are committed: a claim before the commit would turn a crash into a lost message.
      await Promise.all(fresh.map((message) => deduper.claim(message.tenantId, message.waMessageId))).catch((error: unknown) =>
        this.options.log.warn(describeError(error), 'dedupe.unavailable'),
      );
    }
    // Which messages of a batch were redeliveries is not known: only a batch without any is listed.
    if (result.accepted > 0) onStored(result.duplicates === 0 ? fresh : []);
    reportStored(messages, result, this.options);
  }

  /** The messages the deduper already saw. A deduper that fails knows none: the database decides. */
  private async knownRedeliveries(messages: TenantMessage[]): Promise<Set<TenantMessage>> {
    const { deduper } = this.options;
    const known = new Set<TenantMessage>();
    if (!deduper || messages.length === 0) return known;
    try {
      const claimed = await Promise.all(messages.map((message) => deduper.isClaimed(message.tenantId, message.waMessageId)));
      claimed.forEach((isClaimed, index) => {
        if (isClaimed) known.add(messages[index]!);
      });
    } catch (error) {
      this.options.log.warn(describeError(error), 'dedupe.unavailable');
    }
    return known;
  }
}
