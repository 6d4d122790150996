// End to end: the business's own systems (external calendar, ERP, CRM) on the real server. Reads happen during
// the turn; writes are signed, idempotent `integration.call` jobs that retry, dead-letter and can be retried by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startFakeIntegration, type FakeIntegration, type RecordedIntegrationRequest } from '../helpers/fake-integration.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { replyTo, say, scriptedModel, sendsTo, type Script } from '../helpers/scripted-model.js';
import { eventually, ManualClock, settle, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { envelope, testWamid } from '../helpers/webhooks.js';

const CALENDAR_SECRET = 'calendar-secret-0123456789';
const ERP_SECRET = 'erp-secret-0123456789abc';
const CRM_SECRET = 'crm-secret-dead-0123456789';
const EN = actionTextsFor('en');

function requestsTo(integration: FakeIntegration, method: string, pathname: string): RecordedIntegrationRequest[] {
  return integration.requests.filter((request) => request.method === method && request.path === pathname);
}

/** The first request matching `pick`, once it has arrived. */
async function firstReceived(integration: FakeIntegration, pick: (request: RecordedIntegrationRequest) => boolean, what: string): Promise<RecordedIntegrationRequest> {
  return (await eventually(() => integration.requests.find(pick), what, 10_000))!;
}

let graph: FakeGraph;
let model: FakeModel;
let script: Script = {};

beforeAll(async () => {
  graph = await startFakeGraph();
  model = await startFakeModel({ reply: scriptedModel(() => script) });
});

afterAll(async () => {
  await Promise.all([graph.close(), model.close()]);
});

describe('an external calendar', () => {
  // Monday 2026-11-30, 09:00 in São Paulo.
  const monday = Date.UTC(2026, 10, 30, 12, 0, 0);
  // What the business's calendar has free, in its own local time with an offset.
  const free = [
    { start: '2026-12-01T10:00:00-03:00', end: '2026-12-01T10:30:00-03:00' },
    { start: '2026-12-01T11:00:00-03:00', end: '2026-12-01T11:30:00-03:00' },
    { start: '2026-12-02T14:00:00-03:00', end: '2026-12-02T14:30:00-03:00' },
  ];
  let calendar: FakeIntegration;
  let brokenCalendar: FakeIntegration;

  beforeAll(async () => {
    calendar = await startFakeIntegration({ secret: CALENDAR_SECRET });
    calendar.respond((request) => {
      if (request.method !== 'GET' || request.path !== '/slots') return undefined;
      const { from = '', to = '' } = request.query;
      return { status: 200, body: { slots: free.filter((slot) => slot.start.slice(0, 10) >= from && slot.start.slice(0, 10) <= to) } };
    });
    brokenCalendar = await startFakeIntegration({ secret: CALENDAR_SECRET });
    brokenCalendar.respond(() => ({ status: 200, body: { slots: 'ask Maria, she has the book' } }));
  });
  afterAll(async () => {
    await Promise.all([calendar.close(), brokenCalendar.close()]);
  });

  const clinic = (id: string, phoneNumberId: string, url: string) =>
    tenantFile({
      id,
      phoneNumberId,
      modelUrl: model.url,
      language: 'pt',
      extra: {
        timezone: 'America/Sao_Paulo',
        tools: ['find_slots', 'book_appointment', 'reschedule_appointment', 'cancel_appointment'],
        integrations: { calendar: { url, secret: CALENDAR_SECRET } },
      },
    });

  const confirmed = async (server: RunningSwitchboard, tenantId: string) =>
    (await server.admin('GET', `/admin/tenants/${tenantId}/appointments?status=confirmed`)).json.appointments as Array<{ id: string; userId: string; start: number; end: number }>;

  it('offers its slots, and writes a booking, a reschedule and a cancellation to it once each, signed', async () => {
    const clock = new ManualClock(monday);
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('int-clinic', '402000000000001', calendar.url)] });
    const user = '5511940200001';
    try {
      // 1. find_slots reads GET /slots for the asked days and the model gets the slots in local time.
      script = { 'quais horários na terça?': [{ name: 'find_slots', arguments: { from_date: '2026-12-01', to_date: '2026-12-01' } }] };
      await say(server, '402000000000001', user, 'quais horários na terça?');
      const slots = (await replyTo(graph, user, 1)).text!;
      expect(slots).toContain('"timezone":"America/Sao_Paulo"');
      expect(slots).toContain('"start":"2026-12-01T10:00"');
      expect(slots).toContain('"start":"2026-12-01T11:00"');
      expect(slots).not.toContain('2026-12-02');
      expect(slots).toContain('terça-feira');
      expect(requestsTo(calendar, 'GET', '/slots')[0]).toMatchObject({ query: { from: '2026-12-01', to: '2026-12-01' }, signatureValid: true });

      // 2. The first book_appointment only holds the slot: nothing is written to the calendar.
      script = {
        'quero às 10h': [{ name: 'book_appointment', arguments: { start: '2026-12-01T10:00', confirmed: true } }],
        sim: [{ name: 'book_appointment', arguments: { start: '2026-12-01T10:00', confirmed: true } }],
      };
      await say(server, '402000000000001', user, 'quero às 10h');
      expect((await replyTo(graph, user, 2)).text).toContain('"status":"awaiting_confirmation"');
      await settle();
      expect(requestsTo(calendar, 'POST', '/bookings')).toHaveLength(0);

      // 3. The user confirms in the next message: one signed POST /bookings with the appointment's id and times.
      await say(server, '402000000000001', user, 'sim');
      expect((await replyTo(graph, user, 3)).text).toContain('"status":"confirmed"');
      const [booked] = await confirmed(server, 'int-clinic');
      expect(booked).toMatchObject({ userId: user, start: Date.parse('2026-12-01T10:00:00-03:00'), end: Date.parse('2026-12-01T10:30:00-03:00') });
      const post = await firstReceived(calendar, (request) => request.method === 'POST' && request.path === '/bookings', 'POST /bookings');
      expect(post).toMatchObject({
        signatureValid: true,
        idempotencyKey: `booking:int-clinic:${booked!.id}`,
        body: { id: booked!.id, user_id: user, start: '2026-12-01T13:00:00.000Z', end: '2026-12-01T13:30:00.000Z', replaces: null },
      });

      // 4. Rescheduling holds the new slot, then on confirmation books it and releases the old one.
      script = {
        'pode ser quarta às 14h?': [{ name: 'reschedule_appointment', arguments: { appointment_id: booked!.id, new_start: '2026-12-02T14:00' } }],
        'sim, pode mudar': [{ name: 'reschedule_appointment', arguments: { appointment_id: booked!.id, new_start: '2026-12-02T14:00', confirmed: true } }],
      };
      await say(server, '402000000000001', user, 'pode ser quarta às 14h?');
      expect((await replyTo(graph, user, 4)).text).toContain('"status":"awaiting_confirmation"');
      await say(server, '402000000000001', user, 'sim, pode mudar');
      expect((await replyTo(graph, user, 5)).text).toContain('"status":"confirmed"');
      const [moved] = await confirmed(server, 'int-clinic');
      expect(moved).toMatchObject({ userId: user, start: Date.parse('2026-12-02T14:00:00-03:00') });
      expect(moved!.id).not.toBe(booked!.id);
      await eventually(() => requestsTo(calendar, 'POST', '/bookings').length >= 2 && requestsTo(calendar, 'DELETE', `/bookings/${booked!.id}`).length >= 1, 'the reschedule in the calendar', 10_000);
      expect(requestsTo(calendar, 'POST', '/bookings')[1]).toMatchObject({
        signatureValid: true,
        idempotencyKey: `booking:int-clinic:${moved!.id}`,
        body: { id: moved!.id, user_id: user, start: '2026-12-02T17:00:00.000Z', end: '2026-12-02T17:30:00.000Z', replaces: booked!.id },
      });
      expect(requestsTo(calendar, 'DELETE', `/bookings/${booked!.id}`)[0]).toMatchObject({ signatureValid: true, idempotencyKey: `cancel:int-clinic:${booked!.id}` });

      // 5. Cancelling deletes the booking in the calendar.
      script = { 'preciso cancelar': [{ name: 'cancel_appointment', arguments: { appointment_id: moved!.id } }] };
      await say(server, '402000000000001', user, 'preciso cancelar');
      expect((await replyTo(graph, user, 6)).text).toContain('"status":"cancelled"');
      const deleted = await firstReceived(calendar, (request) => request.method === 'DELETE' && request.path === `/bookings/${moved!.id}`, 'DELETE of the moved booking');
      expect(deleted).toMatchObject({ signatureValid: true, idempotencyKey: `cancel:int-clinic:${moved!.id}`, rawBody: '' });
      expect(await confirmed(server, 'int-clinic')).toHaveLength(0);

      // 6. Each write went out exactly once.
      await settle();
      const writes = calendar.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path} ${request.idempotencyKey}`);
      // The new booking and the release of the old one are separate jobs of one turn: their order is not promised.
      expect(writes.slice().sort()).toEqual(
        [
          `POST /bookings booking:int-clinic:${booked!.id}`,
          `POST /bookings booking:int-clinic:${moved!.id}`,
          `DELETE /bookings/${booked!.id} cancel:int-clinic:${booked!.id}`,
          `DELETE /bookings/${moved!.id} cancel:int-clinic:${moved!.id}`,
        ].sort(),
      );
      expect(calendar.accepted().filter((request) => request.method !== 'GET')).toHaveLength(4);
    } finally {
      await server.stop();
    }
  });

  it('tells the model briefly when the calendar answers garbage, and the user still gets a reply', async () => {
    const clock = new ManualClock(monday);
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('int-clinic-broken', '402000000000002', brokenCalendar.url)] });
    const user = '5511940200002';
    try {
      script = { 'tem horário amanhã?': [{ name: 'find_slots', arguments: { from_date: '2026-12-01', to_date: '2026-12-01' } }] };
      await say(server, '402000000000002', user, 'tem horário amanhã?');
      const reply = (await replyTo(graph, user, 1)).text!;
      expect(reply).toBe('result: find_slots failed (INTEGRATION_RESPONSE_INVALID). Tell the user it could not be done right now and offer to try again later or to connect them with a person.');
      expect(reply).not.toContain('Maria');
      expect(brokenCalendar.requests).toHaveLength(1);
      expect(brokenCalendar.requests[0]).toMatchObject({ method: 'GET', path: '/slots', signatureValid: true });
    } finally {
      await server.stop();
    }
  });
});

describe('an ERP', () => {
  const manager = '15550402900';
  const stock = [
    { sku: 'TOM-12', name: 'Canned tomatoes', unit: 'case', price: '19.99', currency: 'USD', stock: 40 },
    { sku: 'SAFFRON', name: 'Saffron', unit: 'kg', price: '5200.00', currency: 'USD', stock: 2 },
  ];
  let erp: FakeIntegration;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    erp = await startFakeIntegration({ secret: ERP_SECRET });
    erp.respond((request) => {
      if (request.method !== 'GET' || request.path !== '/inventory') return undefined;
      const { q, sku } = request.query;
      if (sku !== undefined) return { status: 200, body: { items: stock.filter((item) => sku.split(',').includes(item.sku)) } };
      return { status: 200, body: { items: stock.filter((item) => item.name.toLowerCase().includes((q ?? '').toLowerCase())) } };
    });
    const distributor = tenantFile({
      id: 'int-erp',
      phoneNumberId: '402000000000010',
      modelUrl: model.url,
      extra: {
        tools: ['check_inventory', 'place_order', 'order_status'],
        integrations: { erp: { url: erp.url, secret: ERP_SECRET } },
        rules: { order_review_threshold: 5000, order_review_notify: `+${manager}` },
      },
    });
    server = await startSwitchboard({ graphUrl: graph.url, tenants: [distributor] });
  });
  afterAll(async () => {
    await server.stop();
    await erp.close();
  });

  const orderFor = async (user: string) => (await server.admin('GET', '/admin/tenants/int-erp/orders')).json.orders.find((order: { userId: string }) => order.userId === user);
  const isOrderPost = (orderId: string) => (request: RecordedIntegrationRequest) => request.method === 'POST' && request.path === '/orders' && (request.body as { id?: string }).id === orderId;
  const postedOrders = (orderId: string) => erp.requests.filter(isOrderPost(orderId));

  async function pressButton(from: string, id: string, title: string): Promise<void> {
    const message = { from, id: testWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } };
    expect((await server.post(envelope('402000000000010', [message]))).status).toBe(200);
  }

  it('shows the ERP prices formatted, totals in code, and posts the confirmed order once, signed', async () => {
    const user = '15550402010';
    script = {
      'do you have tomatoes?': [{ name: 'check_inventory', arguments: { query: 'tomatoes' } }],
      'three cases please': [{ name: 'place_order', arguments: { items: [{ sku: 'TOM-12', quantity: 3 }] } }],
    };
    // 1. check_inventory searches the ERP; the model sees the decimal string as money.
    await say(server, '402000000000010', user, 'do you have tomatoes?');
    const inventory = (await replyTo(graph, user, 1)).text!;
    expect(inventory).toContain('"sku":"TOM-12"');
    expect(inventory).toContain('"price":"$19.99"');
    expect(inventory).toContain('"available":40');
    expect(inventory).not.toContain('Saffron');
    expect(requestsTo(erp, 'GET', '/inventory').at(-1)).toMatchObject({ query: { q: 'tomatoes', limit: '10' }, signatureValid: true });

    // 2. place_order looks the sku up, computes 3 × 19.99 in minor units and confirms below the threshold.
    await say(server, '402000000000010', user, 'three cases please');
    const placed = (await replyTo(graph, user, 2)).text!;
    expect(placed).toContain('"status":"confirmed"');
    expect(placed).toContain('"total":"$59.97"');
    expect(requestsTo(erp, 'GET', '/inventory').at(-1)).toMatchObject({ query: { sku: 'TOM-12' }, signatureValid: true });
    const order = await orderFor(user);
    expect(order).toMatchObject({ status: 'confirmed', totalMinor: 5997, currency: 'USD' });

    // 3. The ERP receives the order once, signed and idempotent on the order id.
    const posted = await firstReceived(erp, isOrderPost(order.id), 'POST /orders');
    expect(posted).toMatchObject({
      signatureValid: true,
      idempotencyKey: `order:int-erp:${order.id}`,
      body: { id: order.id, user_id: user, status: 'confirmed', currency: 'USD', total_minor: 5997, lines: [{ sku: 'TOM-12', quantity: 3, unit_price_minor: 1999, line_total_minor: 5997 }] },
    });
    await say(server, '402000000000010', user, 'thanks');
    await replyTo(graph, user, 3);
    await settle();
    expect(postedOrders(order.id)).toHaveLength(1);
    expect(sendsTo(graph, manager)).toHaveLength(0);
  });

  it('posts an order above the threshold only after the manager approves it, once', async () => {
    const user = '15550402011';
    script = { 'one kg of saffron': [{ name: 'place_order', arguments: { items: [{ sku: 'SAFFRON', quantity: 1 }] } }] };
    await say(server, '402000000000010', user, 'one kg of saffron');
    const placed = (await replyTo(graph, user, 1)).text!;
    expect(placed).toContain('"status":"pending_review"');
    expect(placed).toContain('"total":"$5,200.00"');
    const order = await orderFor(user);
    expect(order).toMatchObject({ status: 'pending_review', totalMinor: 520_000 });

    // 1. The manager is asked; the ERP hears nothing of the order yet.
    const review = await replyTo(graph, manager, 1);
    const buttons = (review.body['interactive'] as { action: { buttons: Array<{ reply: { id: string; title: string } }> } }).action.buttons;
    expect(buttons[0]!.reply.id).toBe(`sb:order:approve:${order.id}`);
    await settle();
    expect(postedOrders(order.id)).toHaveLength(0);

    // 2. Approve: the customer is told and the order goes to the ERP, confirmed.
    await pressButton(manager, buttons[0]!.reply.id, buttons[0]!.reply.title);
    expect((await replyTo(graph, user, 2)).text).toBe(EN.orderApproved(order.id, '$5,200.00'));
    const posted = await firstReceived(erp, isOrderPost(order.id), 'POST /orders after approval');
    expect(posted).toMatchObject({ signatureValid: true, idempotencyKey: `order:int-erp:${order.id}`, body: { status: 'confirmed', total_minor: 520_000 } });

    // 3. A second press changes nothing and posts nothing more.
    await pressButton(manager, buttons[0]!.reply.id, buttons[0]!.reply.title);
    expect((await replyTo(graph, manager, 3)).text).toBe(EN.managerAlreadyDecided(order.id, 'confirmed'));
    await settle();
    expect(postedOrders(order.id)).toHaveLength(1);
  });
});

describe('a CRM that is down', () => {
  let crm: FakeIntegration;

  beforeAll(async () => {
    crm = await startFakeIntegration({ secret: CRM_SECRET });
  });
  afterAll(async () => {
    await crm.close();
  });

  /**
   * Moves the manual clock and wakes the worker until `check` holds. It moves only while no job runs, and by
   * 100 s: more than the longest back-off before the 8th attempt (64 s) and less than the 120 s lease, so a
   * running job is never claimed a second time and each attempt is a real one.
   */
  async function advanceUntil<T>(server: RunningSwitchboard, clock: ManualClock, check: () => Promise<T>, what: string): Promise<T> {
    return eventually(
      async () => {
        const value = await check();
        if (!value && server.app.worker?.busy === 0) {
          clock.advance(100_000);
          server.app.worker.wake();
        }
        return value;
      },
      what,
      15_000,
    );
  }

  it('replies at once, dead-letters the lead after 8 attempts, and delivers it once after a manual retry', async () => {
    const clock = new ManualClock();
    const tenant = tenantFile({
      id: 'int-dead-crm',
      phoneNumberId: '402000000000020',
      modelUrl: model.url,
      extra: { tools: ['update_lead'], integrations: { crm: { url: crm.url, secret: CRM_SECRET } } },
    });
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [tenant] });
    const user = '15550402020';
    const forUser = () => requestsTo(crm, 'POST', '/leads').filter((request) => (request.body as { user_id?: string }).user_id === user);
    try {
      crm.respond(() => ({ status: 503, body: { error: 'maintenance' } }));
      script = {
        'all about me': [
          { name: 'update_lead', arguments: { name: 'Noor', budget: { amount: 2_000_000, currency: 'AED' }, timeline: 'this year', areas: ['JVC'], property_type: 'townhouse', purpose: 'live' } },
        ],
      };

      // 1. The reply is sent without waiting on the CRM, and the first push fails.
      await say(server, '402000000000020', user, 'all about me');
      expect((await replyTo(graph, user, 1)).text).toContain('"complete":true');
      await eventually(() => forUser().length >= 1, 'the first push to the CRM', 10_000);

      // 2. Retries with back-off, then the dead letters.
      const dead = (await advanceUntil(
        server,
        clock,
        async () => (await server.admin('GET', '/admin/dead-letters?tenant=int-dead-crm')).json.deadLetters[0] as { id: string; jobName: string; tenantId: string; attempts: number; error: string } | undefined,
        'the lead push to be dead-lettered',
      ))!;
      expect(dead).toMatchObject({ jobName: 'integration.call', tenantId: 'int-dead-crm', attempts: 8 });
      expect(dead.error).toMatch(/^INTEGRATION_CALL_FAILED: crm POST \/leads answered 503/);
      expect(forUser()).toHaveLength(8);
      expect(new Set(forUser().map((request) => request.idempotencyKey))).toEqual(new Set([`lead:int-dead-crm:${user}:v1`]));
      expect((await server.admin('GET', '/admin/dead-letters?tenant=someone-else')).json.deadLetters).toHaveLength(0);

      // 3. The CRM recovers; a retry by hand delivers the lead once.
      crm.respond(() => undefined);
      expect((await server.admin('POST', `/admin/dead-letters/${dead.id}/retry`)).status).toBe(200);
      await eventually(() => crm.accepted().some((request) => (request.body as { user_id?: string }).user_id === user), 'the lead after the retry', 10_000);
      const leads = await eventually(async () => {
        const [lead] = (await server.admin('GET', '/admin/tenants/int-dead-crm/leads')).json.leads as Array<{ version: number; syncedVersion: number | null }>;
        return lead?.syncedVersion === lead?.version ? lead : null;
      }, 'the lead to be marked synced');
      expect(leads).toMatchObject({ version: 1, syncedVersion: 1 });

      // 4. Nothing repeats it: not a second retry of the same dead letter, not the user's next message.
      expect((await server.admin('POST', `/admin/dead-letters/${dead.id}/retry`)).status).toBe(404);
      await say(server, '402000000000020', user, 'thank you');
      await replyTo(graph, user, 2);
      await settle();
      expect(forUser()).toHaveLength(9);
      expect(crm.accepted().filter((request) => (request.body as { user_id?: string }).user_id === user)).toHaveLength(1);
      expect(forUser()[8]).toMatchObject({ signatureValid: true, idempotencyKey: `lead:int-dead-crm:${user}:v1`, body: { event: 'lead.qualified', lead: { name: 'Noor' } } });
    } finally {
      await server.stop();
    }
  });
});
