export type OrderStatus = 'confirmed' | 'pending_review' | 'rejected' | 'cancelled' | 'delivered';

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  unit: string;
  /** Integer minor units (cents). */
  unitPriceMinor: number;
  lineTotalMinor: number;
}

export interface Order {
  id: string;
  tenantId: string;
  userId: string;
  status: OrderStatus;
  currency: string;
  lines: OrderLine[];
  totalMinor: number;
  note: string | null;
  /** Who decided a reviewed order, and with which inbound message (the manager's button press). */
  decidedBy: string | null;
  decidedByMessage: string | null;
  createdAt: number;
  updatedAt: number;
}

export type NewOrder = Omit<Order, 'createdAt' | 'updatedAt' | 'decidedBy' | 'decidedByMessage'>;

/**
 * Orders, scoped by tenant. `create` is idempotent on the order id (derived from the turn and the
 * items), so a turn re-run after a crash finds the order it already placed instead of a second one.
 */
export interface OrderStore {
  /** Inserts the order, or returns the existing one with this id. */
  create(order: NewOrder, now: number): Promise<{ order: Order; created: boolean }>;
  get(tenantId: string, orderId: string): Promise<Order | null>;
  /**
   * Moves a `pending_review` order to `confirmed` or `rejected`, once. When the order was already
   * decided by this same message, returns it with `changed: false` (a re-run); when decided otherwise
   * or not reviewable, `changed: false` as well, with the order as it stands. Null when it does not exist.
   */
  decide(
    tenantId: string,
    orderId: string,
    decision: 'confirmed' | 'rejected',
    by: { userId: string; messageId: string },
    now: number,
  ): Promise<{ order: Order; changed: boolean } | null>;
  /** Marks a confirmed order delivered, or cancels a confirmed or pending one; `changed: false` from any other status. Null when it does not exist. */
  setStatus(tenantId: string, orderId: string, status: 'delivered' | 'cancelled', now: number): Promise<{ order: Order; changed: boolean } | null>;
  listForUser(tenantId: string, userId: string, limit: number): Promise<Order[]>;
  list(tenantId: string, filter: { status?: OrderStatus; limit: number }): Promise<Order[]>;
  /** Quantities per sku held by confirmed, delivered and pending orders: stock left = catalogue stock - this. */
  committedQuantities(tenantId: string): Promise<Map<string, number>>;
}
