import { afterEach, describe, expect, it } from 'vitest';
import type { NewOrder, OrderLine, OrderStore } from '../../src/ports/order-store.js';
import { SwitchboardError } from '../../src/shared/errors.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the order-store suite needs: an empty store and the clock its tests move. */
export interface OrderStoreFixture {
  orders: OrderStore;
  clock: ManualClock;
  close(): Promise<void>;
}

/** A line of `quantity` units at `unitPriceMinor` each. */
function line(sku: string, quantity: number, unitPriceMinor = 250): OrderLine {
  return { sku, name: `name of ${sku}`, quantity, unit: 'kg', unitPriceMinor, lineTotalMinor: quantity * unitPriceMinor };
}

/** A new order with a fresh id; totals follow the lines. */
function newOrder(options: { tenantId: string; userId: string; id?: string; status?: NewOrder['status']; lines?: OrderLine[]; note?: string | null }): NewOrder {
  const lines = options.lines ?? [line('apple', 2)];
  return {
    id: options.id ?? uniqueId('order'),
    tenantId: options.tenantId,
    userId: options.userId,
    status: options.status ?? 'confirmed',
    currency: 'BRL',
    lines,
    totalMinor: lines.reduce((sum, each) => sum + each.lineTotalMinor, 0),
    note: options.note ?? null,
  };
}

/** The guarantees of the OrderStore port (src/ports/order-store.ts), for every adapter. */
export function orderStoreContract(adapterName: string, create: () => Promise<OrderStoreFixture>) {
  describe(`${adapterName}: OrderStore contract`, () => {
    const opened: OrderStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<OrderStoreFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('creates an order once: the same id again returns the stored order', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const order = newOrder({ tenantId, userId, status: 'pending_review', lines: [line('apple', 3), line('pear', 1, 900)], note: 'leave at the door' });

      const first = await orders.create(order, clock.now());
      clock.advance(5000);
      const again = await orders.create({ ...order, note: 'a re-run with other words' }, clock.now());

      expect(first).toEqual({
        created: true,
        order: { ...order, decidedBy: null, decidedByMessage: null, createdAt: clock.now() - 5000, updatedAt: clock.now() - 5000 },
      });
      expect(again).toEqual({ created: false, order: first.order });
      expect(await orders.get(tenantId, order.id)).toEqual(first.order);
      expect(await orders.listForUser(tenantId, userId, 10)).toHaveLength(1);
    });

    it('creates an order once even when the same create runs concurrently', async () => {
      const { orders, clock } = await open();
      const order = newOrder({ tenantId: uniqueId('tenant'), userId: uniqueId('user') });

      const results = await Promise.all(Array.from({ length: 10 }, () => orders.create(order, clock.now())));

      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => JSON.stringify(result.order))).size).toBe(1);
    });

    it('decides a pending order once', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const manager = uniqueId('manager');
      const { order } = await orders.create(newOrder({ tenantId, userId: uniqueId('user'), status: 'pending_review' }), clock.now());
      clock.advance(60_000);
      const messageId = uniqueId('wamid');

      const decided = await orders.decide(tenantId, order.id, 'confirmed', { userId: manager, messageId }, clock.now());

      expect(decided).toEqual({
        changed: true,
        order: { ...order, status: 'confirmed', decidedBy: manager, decidedByMessage: messageId, updatedAt: clock.now() },
      });
      const rerun = await orders.decide(tenantId, order.id, 'confirmed', { userId: manager, messageId }, clock.now());
      expect(rerun).toEqual({ changed: false, order: decided!.order });
      const otherDecision = await orders.decide(tenantId, order.id, 'rejected', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now() + 1);
      expect(otherDecision).toEqual({ changed: false, order: decided!.order });
      expect(await orders.get(tenantId, order.id)).toEqual(decided!.order);
    });

    it('lets only one of two concurrent decisions win', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const { order } = await orders.create(newOrder({ tenantId, userId: uniqueId('user'), status: 'pending_review' }), clock.now());

      const [confirm, reject] = await Promise.all([
        orders.decide(tenantId, order.id, 'confirmed', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now()),
        orders.decide(tenantId, order.id, 'rejected', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now()),
      ]);

      expect([confirm!.changed, reject!.changed].filter(Boolean)).toHaveLength(1);
      expect(confirm!.order).toEqual(reject!.order);
      expect((await orders.get(tenantId, order.id))!.status).toBe(confirm!.order.status);
    });

    it('does not decide an order that is not under review, and knows no unknown order', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const { order } = await orders.create(newOrder({ tenantId, userId: uniqueId('user'), status: 'confirmed' }), clock.now());

      const result = await orders.decide(tenantId, order.id, 'rejected', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now());

      expect(result).toEqual({ changed: false, order });
      expect(await orders.decide(tenantId, uniqueId('order'), 'confirmed', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now())).toBeNull();
      expect(await orders.get(tenantId, uniqueId('order'))).toBeNull();
    });

    it('sums the quantities of confirmed and pending orders per sku', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await orders.create(newOrder({ tenantId, userId, status: 'confirmed', lines: [line('apple', 2), line('pear', 1)] }), clock.now());
      await orders.create(newOrder({ tenantId, userId: uniqueId('user'), status: 'pending_review', lines: [line('apple', 3)] }), clock.now());
      await orders.create(newOrder({ tenantId, userId, status: 'rejected', lines: [line('apple', 100)] }), clock.now());
      await orders.create(newOrder({ tenantId, userId, status: 'cancelled', lines: [line('pear', 100)] }), clock.now());
      const { order: rejectedLater } = await orders.create(newOrder({ tenantId, userId, status: 'pending_review', lines: [line('plum', 7)] }), clock.now());
      await orders.decide(tenantId, rejectedLater.id, 'rejected', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now());
      await orders.create(newOrder({ tenantId: uniqueId('tenant'), userId, status: 'confirmed', lines: [line('apple', 50)] }), clock.now());

      expect(await orders.committedQuantities(tenantId)).toEqual(new Map([['apple', 5], ['pear', 1]]));
      expect(await orders.committedQuantities(uniqueId('tenant'))).toEqual(new Map());
    });

    it('lists orders newest first, per user and by status', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const { order: first } = await orders.create(newOrder({ tenantId, userId, status: 'confirmed' }), clock.now());
      clock.advance(1000);
      const { order: second } = await orders.create(newOrder({ tenantId, userId, status: 'pending_review' }), clock.now());
      clock.advance(1000);
      const { order: someoneElse } = await orders.create(newOrder({ tenantId, userId: uniqueId('user'), status: 'pending_review' }), clock.now());

      const ids = (list: Array<{ id: string }>) => list.map((order) => order.id);
      expect(ids(await orders.listForUser(tenantId, userId, 10))).toEqual([second.id, first.id]);
      expect(ids(await orders.listForUser(tenantId, userId, 1))).toEqual([second.id]);
      expect(ids(await orders.list(tenantId, { limit: 10 }))).toEqual([someoneElse.id, second.id, first.id]);
      expect(ids(await orders.list(tenantId, { status: 'pending_review', limit: 10 }))).toEqual([someoneElse.id, second.id]);
      expect(ids(await orders.list(tenantId, { status: 'rejected', limit: 10 }))).toEqual([]);
    });

    it('keeps tenants apart: another tenant can neither see, decide nor reuse an order id', async () => {
      const { orders, clock } = await open();
      const tenantId = uniqueId('tenant');
      const otherTenant = uniqueId('tenant');
      const userId = uniqueId('user');
      const { order } = await orders.create(newOrder({ tenantId, userId, status: 'pending_review', lines: [line('apple', 4)] }), clock.now());

      expect(await orders.get(otherTenant, order.id)).toBeNull();
      expect(await orders.decide(otherTenant, order.id, 'rejected', { userId: uniqueId('manager'), messageId: uniqueId('wamid') }, clock.now())).toBeNull();
      expect(await orders.listForUser(otherTenant, userId, 10)).toEqual([]);
      expect(await orders.list(otherTenant, { limit: 10 })).toEqual([]);
      expect(await orders.committedQuantities(otherTenant)).toEqual(new Map());

      const reuse = orders.create(newOrder({ tenantId: otherTenant, userId, id: order.id }), clock.now());
      await expect(reuse).rejects.toBeInstanceOf(SwitchboardError);
      await expect(reuse).rejects.toMatchObject({ code: 'ORDER_ID_CONFLICT' });
      expect(await orders.get(tenantId, order.id)).toEqual(order);
    });
  });
}
