import type { TenantMessage } from '../ports/inbox.js';

/**
 * Where a verified WhatsApp envelope goes before its 200: durable by the time `accept` resolves (a rejection
 * becomes a 500, and Meta redelivers). `raw` is the body's text, `body` the same parsed.
 */
export interface WebhookIntake {
  accept(body: unknown, raw: string, receivedAtMs: number): Promise<void>;
}

/**
 * Called once messages reached their conversations' mailboxes (wakes the worker, feeds the live events).
 * `stored` lists the messages known to be new; it is empty when the store could not tell them from redeliveries.
 */
export type OnStored = (stored: readonly TenantMessage[]) => void;
