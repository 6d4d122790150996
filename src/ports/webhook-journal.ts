import type { AcceptResult, TenantMessage, TenantStatus } from './inbox.js';

/** A verified webhook body waiting in the journal. */
export interface JournalEntry {
  /** Increasing in the order the bodies were appended. */
  id: number;
  /** The body as received (JSON text, signature already checked). */
  body: string;
  /** Unix ms when it was received: the start of the messages' debounce. */
  receivedAtMs: number;
}

/** What `distribute` did with one pass of entries. */
export interface Distribution {
  /** Entries taken off the journal (0: it was empty). */
  taken: number;
  /** The messages stored for the first time (redeliveries left out), in the order received. */
  stored: TenantMessage[];
  result: AcceptResult;
}

/**
 * The webhook's durable first step (the embedded deployment's ingress queue): a verified body is appended and
 * committed before the 200, and distributed into the conversations' mailboxes afterwards, off the request path.
 *
 * Guarantees:
 * - Durability: `append` resolves only once the body is committed; a crash after that loses nothing.
 * - Nothing lost in between: an entry leaves the journal only in the transaction that stores what it carried
 *   (as `Inbox.accept` does: message ids claimed once per tenant, one pending turn per conversation, statuses
 *   applied or parked). If `toBatch` or the store fails, every entry of the pass stays for the next one.
 * - Order: entries are distributed oldest first; a message's mailbox position follows the journal's order.
 * - One distributor per database at a time (the embedded worker); concurrent passes are not coordinated.
 */
/** How far the distribution is behind: entries waiting and when the oldest of them was received. */
export interface JournalBacklog {
  entries: number;
  /** Unix ms; null when the journal is empty. */
  oldestReceivedAtMs: number | null;
}

export interface WebhookJournal {
  append(body: string, receivedAtMs: number): Promise<void>;
  /** Reads only; for metrics (a growing backlog means distribution is failing or cannot keep up). */
  backlog(): Promise<JournalBacklog>;
  /** Takes up to `limit` of the oldest entries, turns them into one batch with `toBatch`, stores it, removes them. */
  distribute(limit: number, toBatch: (entries: JournalEntry[]) => { messages: TenantMessage[]; statuses: TenantStatus[] }): Promise<Distribution>;
}
