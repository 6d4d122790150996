import type { Kysely, Selectable, Transaction } from 'kysely';
import type { NewOrder, Order, OrderLine, OrderStatus, OrderStore } from '../../ports/order-store.js';
import { SwitchboardError } from '../../shared/errors.js';
import { insertUnlessTaken } from './insert-unless-taken.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

type Row = Selectable<Tables['orders']>;

/** Statuses whose quantities are spoken for (stock left = catalogue stock - these). */
const COMMITTED: OrderStatus[] = ['confirmed', 'pending_review', 'delivered'];

/** Orders in SQL; ids come from the caller, so `create` is idempotent. Every query is scoped by tenant id. */
export class SqlOrderStore implements OrderStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  create(order: NewOrder, now: number): Promise<{ order: Order; created: boolean }> {
    return this.batcher.run(async (trx) => {
      const existing = await findRow(trx, order.tenantId, order.id);
      if (existing) return { order: toOrder(existing), created: false };
      const row: Row = {
        id: order.id,
        tenant_id: order.tenantId,
        user_id: order.userId,
        status: order.status,
        currency: order.currency,
        lines: JSON.stringify(order.lines),
        total_minor: order.totalMinor,
        note: order.note,
        decided_by: null,
        decided_by_message: null,
        created_at: now,
        updated_at: now,
      };
      if (await insertUnlessTaken(trx, () => trx.insertInto('orders').values(row).execute())) {
        return { order: toOrder(row), created: true };
      }
      // The id is taken: by a concurrent create of this same order (PostgreSQL), whose row is the one,
      // or by another tenant, whose order is never shown here.
      const winner = await findRow(trx, order.tenantId, order.id);
      if (!winner) throw idConflict(order);
      return { order: toOrder(winner), created: false };
    });
  }

  async get(tenantId: string, orderId: string): Promise<Order | null> {
    const row = await findRow(this.db, tenantId, orderId);
    return row ? toOrder(row) : null;
  }

  decide(
    tenantId: string,
    orderId: string,
    decision: 'confirmed' | 'rejected',
    by: { userId: string; messageId: string },
    now: number,
  ): Promise<{ order: Order; changed: boolean } | null> {
    return this.batcher.run(async (trx) => {
      // Conditional on the status, so of two managers pressing at once only the first decides.
      const result = await trx
        .updateTable('orders')
        .set({ status: decision, decided_by: by.userId, decided_by_message: by.messageId, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', orderId)
        .where('status', '=', 'pending_review')
        .executeTakeFirst();
      const row = await findRow(trx, tenantId, orderId);
      if (!row) return null;
      return { order: toOrder(row), changed: Number(result.numUpdatedRows) > 0 };
    });
  }

  setStatus(tenantId: string, orderId: string, status: 'delivered' | 'cancelled', now: number): Promise<{ order: Order; changed: boolean } | null> {
    return this.batcher.run(async (trx) => {
      const result = await trx
        .updateTable('orders')
        .set({ status, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', orderId)
        .where('status', 'in', ORDER_MOVES_TO[status])
        .executeTakeFirst();
      const row = await findRow(trx, tenantId, orderId);
      if (!row) return null;
      return { order: toOrder(row), changed: Number(result.numUpdatedRows) > 0 };
    });
  }

  async listForUser(tenantId: string, userId: string, limit: number): Promise<Order[]> {
    const rows = await this.db
      .selectFrom('orders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(Math.min(limit, 500))
      .execute();
    return rows.map(toOrder);
  }

  async list(tenantId: string, filter: { status?: OrderStatus; limit: number }): Promise<Order[]> {
    let query = this.db
      .selectFrom('orders')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(Math.min(filter.limit, 500));
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toOrder);
  }

  async committedQuantities(tenantId: string): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('orders').select('lines').where('tenant_id', '=', tenantId).where('status', 'in', COMMITTED).execute();
    const quantities = new Map<string, number>();
    for (const row of rows) {
      for (const line of JSON.parse(row.lines) as OrderLine[]) {
        quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
      }
    }
    return quantities;
  }
}

function idConflict(order: NewOrder): SwitchboardError {
  return new SwitchboardError({
    code: 'ORDER_ID_CONFLICT',
    message: `order id ${order.id} of tenant ${order.tenantId} is already used by another tenant; order ids must be derived from the tenant's own turn`,
  });
}

function findRow(db: Kysely<Tables> | Transaction<Tables>, tenantId: string, orderId: string): Promise<Row | undefined> {
  return db.selectFrom('orders').selectAll().where('tenant_id', '=', tenantId).where('id', '=', orderId).executeTakeFirst();
}

function toOrder(row: Row): Order {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    status: row.status as OrderStatus,
    currency: row.currency,
    lines: JSON.parse(row.lines) as OrderLine[],
    totalMinor: Number(row.total_minor),
    note: row.note,
    decidedBy: row.decided_by,
    decidedByMessage: row.decided_by_message,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** From which statuses an order may move to each of these. */
const ORDER_MOVES_TO: Record<'delivered' | 'cancelled', OrderStatus[]> = {
  delivered: ['confirmed'],
  cancelled: ['confirmed', 'pending_review'],
};
