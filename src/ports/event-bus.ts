/** What operators' screens want to hear about as it happens. Every event belongs to one tenant. */
export type SwitchboardEvent =
  | { type: 'message.received'; tenantId: string; userId: string; text: string | null; at: number }
  | { type: 'message.sent'; tenantId: string; userId: string; kind: string; body: Record<string, unknown>; at: number }
  | { type: 'conversation.escalated'; tenantId: string; userId: string; trigger: string; at: number }
  | { type: 'conversation.mode_changed'; tenantId: string; userId: string; mode: 'bot' | 'human'; reason: string; at: number }
  | { type: 'order.pending_review'; tenantId: string; userId: string; orderId: string; at: number }
  | { type: 'order.decided'; tenantId: string; userId: string; orderId: string; status: string; at: number }
  /** The sandbox Graph stand-in received a message to deliver (simulator mode). */
  | { type: 'sandbox.message'; tenantId: string; userId: string; phoneNumberId: string; waMessageId: string; body: Record<string, unknown>; at: number };

export type SwitchboardEventType = SwitchboardEvent['type'];

/**
 * Live events for the console and the simulator. Delivery is best effort and in-process (the
 * database stays the record); a scale-mode deployment relays them between processes (Redis pub/sub).
 * Subscribers only ever receive events of the tenants they asked for.
 */
export interface EventBus {
  publish(event: SwitchboardEvent): void;
  /** `tenantIds: null` means every tenant (the agency's admin). Returns the unsubscribe function. */
  subscribe(tenantIds: readonly string[] | null, listener: (event: SwitchboardEvent) => void): () => void;
}
