import type { InboundMessage, InboundStatus } from './inbound.js';

/** An inbound message once its tenant is known, with the time its conversation's turn becomes due. */
export interface TenantMessage extends InboundMessage {
  tenantId: string;
  /** Unix ms; now + the tenant's debounce. */
  turnDueAt: number;
}

export interface TenantStatus extends InboundStatus {
  tenantId: string;
}

export interface AcceptResult {
  accepted: number;
  duplicates: number;
  statusesApplied: number;
  /** Statuses of messages not (yet) known: kept and applied when the send is recorded. */
  statusesParked: number;
}

/**
 * Where webhooks land. `accept` stores the messages and statuses of one webhook durably and
 * atomically: each message id is claimed once per tenant (a redelivery is a duplicate, stored
 * nothing); every conversation that got an answerable message has exactly one pending turn job,
 * due at the latest message's `turnDueAt`. It resolves only once all of that is durable.
 */
export interface Inbox {
  accept(batch: { messages: TenantMessage[]; statuses: TenantStatus[] }): Promise<AcceptResult>;
}
