import type { WebhookJournal } from '../ports/webhook-journal.js';
import type { WebhookIntake } from './webhook-intake.js';

/**
 * Appends the verified body to the webhook journal before the 200 and leaves the rest (parsing messages, finding
 * tenants, claiming ids, scheduling turns) to the journal's distributor: the embedded deployment's request path
 * is one small row in a group commit. `onAppended` tells an in-process distributor that there is work.
 */
export class JournalIntake implements WebhookIntake {
  constructor(
    private readonly journal: WebhookJournal,
    private readonly onAppended: () => void,
  ) {}

  async accept(_body: unknown, raw: string, receivedAtMs: number): Promise<void> {
    await this.journal.append(raw, receivedAtMs);
    this.onAppended();
  }
}
