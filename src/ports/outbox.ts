import type { UserAddress } from './inbound.js';

export type OutboxKind = 'reply' | 'escalation' | 'fallback' | 'agent_notification' | 'agent_message';

/** A message to send, written in the same transaction as the work that produced it. */
export interface OutboxDraft {
  tenantId: string;
  /** The conversation key of the recipient (a user, or the tenant's human agent). */
  recipientId: string;
  address: UserAddress;
  kind: OutboxKind;
  /** Unique: a second draft with the same key is ignored (a turn's id + part number). */
  idempotencyKey: string;
  /** The Graph API message body without `messaging_product` / `to`: `{ type: 'text', text: {...} }`. */
  body: Record<string, unknown>;
  /** Quote this inbound message. */
  contextMessageId?: string;
}

export type OutboxState = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export interface OutboxMessage extends OutboxDraft {
  id: string;
  state: OutboxState;
  attempts: number;
  waMessageId: string | null;
  errorCode: number | null;
  errorDetail: string | null;
  createdAt: number;
}

/**
 * Outgoing messages. Delivery of one recipient's messages is serialised by the `outbox.deliver` job
 * keyed on tenant + recipient, so they leave in the order they were written.
 */
export interface Outbox {
  /** Writes drafts outside a turn (agent messages) and schedules their delivery. */
  add(drafts: OutboxDraft[], now: number): Promise<void>;
  /** Pending messages of one recipient, oldest first. */
  pending(tenantId: string, recipientId: string, limit: number): Promise<OutboxMessage[]>;
  /** One write: records Meta's message id and applies statuses that arrived before it. */
  markSent(tenantId: string, id: string, waMessageId: string, now: number): Promise<void>;
  markFailed(tenantId: string, id: string, error: { code: number | null; detail: string }, now: number): Promise<void>;
  recordAttempt(tenantId: string, id: string, detail: string, now: number): Promise<void>;
  /** Recipients with pending messages (start-up sweep: make sure each has a delivery job). */
  pendingRecipients(): Promise<Array<{ tenantId: string; recipientId: string }>>;
  list(filter: { tenantId: string; recipientId?: string; limit?: number }): Promise<OutboxMessage[]>;
  /** Maintenance: forgets parked statuses received before `beforeMs` (their send never showed up). */
  dropParkedStatuses(beforeMs: number): Promise<number>;
}
