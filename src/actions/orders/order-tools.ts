import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ToolRefusal, type Tool, type ToolContext } from '../../engine/index.js';
import type { UserAddress } from '../../ports/inbound.js';
import type { Order, OrderLine, OrderStore } from '../../ports/order-store.js';
import { actionTextsFor } from '../action-texts.js';
import type { FollowUpPlanner } from '../../followups/index.js';
import { integrationJob } from '../integrations/integration-job.js';
import type { InventorySource } from './inventory-source.js';
import { formatMoney } from './money.js';

export interface OrderToolsOptions {
  orders: OrderStore;
  inventory: InventorySource;
  language: string;
  maxResults: number;
  maxLines: number;
  /** Orders whose total is above this many minor units wait for the manager; undefined: no review. */
  reviewThresholdMinor: number | undefined;
  reviewer: { userId: string; address: UserAddress } | undefined;
  /** Confirmed orders are written to the ERP when it is configured. */
  erp: boolean;
  onOrder?: (order: Order, context: ToolContext) => Promise<void>;
  followUps?: FollowUpPlanner;
}

/** Button ids of the manager's review message; parsed back by reviewOrderAction. */
export const REVIEW_ACTION = /^sb:order:(approve|reject):([A-Z0-9-]{4,40})$/;

/**
 * `check_inventory`, `place_order` and `order_status`. Prices, totals and the review threshold are
 * computed here in integer minor units; the model only says which skus and how many.
 */
export function orderTools(options: OrderToolsOptions): Tool[] {
  const { orders, inventory, language } = options;
  const money = (minor: number, currency: string) => formatMoney(minor, currency, language);
  const texts = actionTextsFor(language);
  const describe = (order: Order) => ({
    order_id: order.id,
    status: order.status,
    lines: order.lines.map((line) => ({ sku: line.sku, name: line.name, quantity: line.quantity, unit: line.unit, unit_price: money(line.unitPriceMinor, order.currency), line_total: money(line.lineTotalMinor, order.currency) })),
    total: money(order.totalMinor, order.currency),
  });

  const checkInventory: Tool<{ query: string }> = {
    name: 'check_inventory',
    description: 'Searches the product catalogue by name, sku or category; returns prices and how many are available. Use it before quoting any price or placing an order.',
    input: z.object({ query: z.string().max(200).describe('Words to search for, e.g. "olive oil"; empty lists the catalogue') }),
    async run(input, context) {
      const items = await inventory.search(context.tenantId, input.query, options.maxResults);
      if (items.length === 0) return { items: [], note: 'Nothing matches; ask the user to describe the product differently.' };
      return { items: items.map((item) => ({ sku: item.sku, name: item.name, unit: item.unit, price: money(item.priceMinor, item.currency), available: item.available })) };
    },
  };

  const lineInput = z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(1).max(100_000) });
  const placeOrder: Tool<{ items: Array<z.infer<typeof lineInput>>; note?: string | undefined }> = {
    name: 'place_order',
    description:
      'Places an order for the user once they agreed to the items and quantities. Give skus from check_inventory and whole quantities; prices and the total are computed by the system. Large orders wait for a manager: say so when the status is pending_review.',
    input: z.object({ items: z.array(lineInput).min(1).max(options.maxLines), note: z.string().max(500).optional().describe('Delivery notes from the user') }),
    async run(input, context) {
      const quantities = new Map<string, number>();
      for (const line of input.items) quantities.set(line.sku.toUpperCase(), (quantities.get(line.sku.toUpperCase()) ?? 0) + line.quantity);
      const id = orderId(context, quantities);
      const existing = await orders.get(context.tenantId, id);
      // A re-run of a turn that already placed this order: the same answer, the same effects.
      if (existing) return afterPlacing(existing, context);

      const found = await inventory.bySku(context.tenantId, [...quantities.keys()]);
      const unknown = [...quantities.keys()].filter((sku) => !found.has(sku));
      if (unknown.length > 0) throw new ToolRefusal(`Unknown sku: ${unknown.join(', ')}. Look the products up with check_inventory first.`);
      const short = [...quantities].filter(([sku, quantity]) => quantity > found.get(sku)!.available);
      if (short.length > 0) {
        throw new ToolRefusal(`Not enough stock: ${short.map(([sku, quantity]) => `${sku} asked ${quantity}, available ${found.get(sku)!.available}`).join('; ')}. Offer the available quantity.`);
      }
      const currencies = new Set([...found.values()].map((item) => item.currency));
      if (currencies.size > 1) throw new ToolRefusal('These items are priced in different currencies; place them as separate orders.');
      const lines: OrderLine[] = [...quantities].map(([sku, quantity]) => {
        const item = found.get(sku)!;
        return { sku: item.sku, name: item.name, quantity, unit: item.unit, unitPriceMinor: item.priceMinor, lineTotalMinor: item.priceMinor * quantity };
      });
      const totalMinor = lines.reduce((sum, line) => sum + line.lineTotalMinor, 0);
      if (!Number.isSafeInteger(totalMinor)) throw new ToolRefusal('The order total is too large to process; split the order.');
      const needsReview = options.reviewThresholdMinor !== undefined && totalMinor > options.reviewThresholdMinor;
      const { order, created } = await orders.create(
        { id, tenantId: context.tenantId, userId: context.userId, status: needsReview ? 'pending_review' : 'confirmed', currency: [...currencies][0]!, lines, totalMinor, note: input.note ?? null },
        context.now,
      );
      if (created) await options.onOrder?.(order, context);
      return afterPlacing(order, context);
    },
  };

  function afterPlacing(order: Order, context: ToolContext) {
    if (order.status === 'pending_review' && options.reviewer) {
      context.effects.send(reviewRequest(order, context, options.reviewer, money, texts));
    }
    if (order.status === 'confirmed' && options.erp) context.effects.schedule(erpOrderJob(order, context.now));
    if (order.status === 'confirmed') {
      for (const job of options.followUps?.jobs('order_confirmed', { userId: order.userId, subjectId: order.id, anchorAt: order.createdAt }, context.now) ?? []) context.effects.schedule(job);
    }
    return {
      ...describe(order),
      next: order.status === 'pending_review' ? `Tell the user: ${texts.orderPendingReview}` : 'Confirm the order to the user with its id and total.',
    };
  }

  const orderStatus: Tool<{ order_id?: string | undefined }> = {
    name: 'order_status',
    description: "The status of the user's orders (the latest ones, or one by id).",
    input: z.object({ order_id: z.string().max(40).optional() }),
    async run(input, context) {
      if (input.order_id) {
        const order = await orders.get(context.tenantId, input.order_id.toUpperCase());
        if (!order || order.userId !== context.userId) throw new ToolRefusal(`No order ${input.order_id} for this user.`);
        return describe(order);
      }
      const latest = await orders.listForUser(context.tenantId, context.userId, 5);
      return { orders: latest.map(describe) };
    },
  };

  return [checkInventory, placeOrder, orderStatus];
}

/** Same user, same turn, same items: the same id, so a re-run finds the order instead of placing it twice. */
function orderId(context: ToolContext, quantities: Map<string, number>): string {
  const items = [...quantities].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => `${sku}x${quantity}`).join(',');
  const digest = createHash('sha256').update(`${context.tenantId}\u0000${context.userId}\u0000${context.turnKey}\u0000${items}`).digest('hex');
  return `ORD-${digest.slice(0, 10).toUpperCase()}`;
}

function reviewRequest(
  order: Order,
  context: ToolContext,
  reviewer: { userId: string; address: UserAddress },
  money: (minor: number, currency: string) => string,
  texts: ReturnType<typeof actionTextsFor>,
) {
  const lines = order.lines.map((line) => `• ${line.quantity} × ${line.name} (${line.sku}) = ${money(line.lineTotalMinor, order.currency)}`);
  let body = texts.reviewRequest({ orderId: order.id, customer: `+${order.userId}`, lines, total: money(order.totalMinor, order.currency) });
  if (body.length > 1024) body = `${body.slice(0, 1000)}…`; // the interactive body's limit
  return {
    tenantId: context.tenantId,
    recipientId: reviewer.userId,
    address: reviewer.address,
    kind: 'agent_notification' as const,
    idempotencyKey: `${context.tenantId}:order:${order.id}:review`,
    body: {
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: body },
        action: {
          buttons: [
            { type: 'reply', reply: { id: `sb:order:approve:${order.id}`, title: texts.approve } },
            { type: 'reply', reply: { id: `sb:order:reject:${order.id}`, title: texts.reject } },
          ],
        },
      },
    },
  };
}

/** The write of a confirmed order to the ERP: `POST {url}/orders`, idempotent on the order id. */
export function erpOrderJob(order: Order, now: number) {
  return integrationJob(
    {
      tenantId: order.tenantId,
      integration: 'erp',
      request: {
        method: 'POST',
        path: '/orders',
        idempotencyKey: `order:${order.tenantId}:${order.id}`,
        body: {
          id: order.id,
          user_id: order.userId,
          status: order.status,
          currency: order.currency,
          total_minor: order.totalMinor,
          lines: order.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unit_price_minor: line.unitPriceMinor, line_total_minor: line.lineTotalMinor })),
          note: order.note,
        },
      },
    },
    `order:${order.id}`,
    now,
  );
}
