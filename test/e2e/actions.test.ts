// End to end: the actions promises of the README (tools per tenant, leads to the CRM, bookings, orders
// with a manager's review, guardrails, hooks), on the real server against fake Graph, model and CRM servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startFakeIntegration, type FakeIntegration } from '../helpers/fake-integration.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { replyTo, say, scriptedModel, sendsTo, type Script } from '../helpers/scripted-model.js';
import { eventually, ManualClock, settle, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { envelope, testWamid } from '../helpers/webhooks.js';

const CRM_SECRET = 'crm-secret-0123456789';
const EN = actionTextsFor('en');

/** Moves the manual clock and wakes the worker until `check` holds: retries with back-off without real waiting. */
async function advanceUntil<T>(server: RunningSwitchboard, clock: ManualClock, check: () => T, what: string): Promise<T> {
  return eventually(
    () => {
      const value = check();
      if (!value) {
        clock.advance(10 * 60_000);
        server.app.worker?.wake();
      }
      return value;
    },
    what,
    15_000,
  );
}

let graph: FakeGraph;
let model: FakeModel;
let crm: FakeIntegration;
let script: Script = {};
const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-actions-'));

beforeAll(async () => {
  graph = await startFakeGraph();
  model = await startFakeModel({ reply: scriptedModel(() => script) });
  crm = await startFakeIntegration({ secret: CRM_SECRET });
});

afterAll(async () => {
  await Promise.all([graph.close(), model.close(), crm.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('tools are configuration', () => {
  it('offers a tenant exactly the tools its file lists, and none to a tenant without tools', async () => {
    const withTools = tenantFile({ id: 'act-tools', phoneNumberId: '401000000000001', modelUrl: model.url, extra: { tools: ['update_lead'] } });
    const without = tenantFile({ id: 'act-no-tools', phoneNumberId: '401000000000002', modelUrl: model.url });
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [withTools, without] });
    try {
      script = {};
      await say(server, '401000000000001', '15550100001', 'hello tools');
      await say(server, '401000000000002', '15550100002', 'hello no tools');
      await replyTo(graph, '15550100001', 1);
      await replyTo(graph, '15550100002', 1);
      const requestFor = (text: string) => model.requests.find((request) => lastUserText(request) === text)!.body;
      const offered = (requestFor('hello tools').tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
      expect(offered).toEqual(['update_lead']);
      expect(requestFor('hello no tools').tools).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('turns a tool error into an explanation for the model, and the user still gets a reply', async () => {
    const file = tenantFile({ id: 'act-tool-error', phoneNumberId: '401000000000003', modelUrl: model.url, extra: { tools: ['update_lead'] } });
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [file] });
    try {
      script = { 'my budget is lots': [{ name: 'update_lead', arguments: { budget: { amount: -5, currency: 'dollars' } } }] };
      await say(server, '401000000000003', '15550100003', 'my budget is lots');
      const reply = await replyTo(graph, '15550100003', 1);
      expect(reply.text).toMatch(/^result: Invalid input for update_lead: budget\.amount: .*budget\.currency/);
      expect(reply.text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    } finally {
      await server.stop();
    }
  });
});

describe('leads', () => {
  const realEstate = (id: string, phoneNumberId: string, extra: Record<string, unknown> = {}) =>
    tenantFile({
      id,
      phoneNumberId,
      modelUrl: model.url,
      keywords: ['agent'],
      notify: '+15550109999',
      extra: { tools: ['update_lead'], integrations: { crm: { url: crm.url, secret: CRM_SECRET } }, ...extra },
    });

  it('completes a lead over several turns and pushes it to the CRM once, signed', async () => {
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [realEstate('act-lead', '401000000000010')] });
    const user = '15550100010';
    try {
      script = {
        "I'm Sara, budget 3M AED": [{ name: 'update_lead', arguments: { name: 'Sara', budget: { amount: 3_000_000, currency: 'AED' } } }],
        'Marina, an apartment, within 3 months': [{ name: 'update_lead', arguments: { areas: ['Dubai Marina'], property_type: 'apartment', timeline: 'within 3 months' } }],
        'to live in': [{ name: 'update_lead', arguments: { purpose: 'live' } }],
      };
      await say(server, '401000000000010', user, "I'm Sara, budget 3M AED");
      expect((await replyTo(graph, user, 1)).text).toContain('"missing":["timeline","areas","property_type","purpose"]');
      await say(server, '401000000000010', user, 'Marina, an apartment, within 3 months');
      expect((await replyTo(graph, user, 2)).text).toContain('"missing":["purpose"]');
      expect(crm.requests.filter((request) => request.body && (request.body as { user_id?: string }).user_id === user)).toHaveLength(0);
      await say(server, '401000000000010', user, 'to live in');
      expect((await replyTo(graph, user, 3)).text).toContain('"complete":true');

      const [pushed] = await crm.waitForRequests(1, 10_000);
      // The model saw the lead's state in its system prompt on the turn after the first update.
      const secondRequest = model.requests.find((request) => lastUserText(request) === 'Marina, an apartment, within 3 months')!;
      expect(String(secondRequest.body.messages[0]!.content)).toContain('"name":"Sara"');

      await say(server, '401000000000010', user, 'thanks!');
      await replyTo(graph, user, 4);
      await settle();
      const forUser = crm.requests.filter((request) => (request.body as { user_id?: string }).user_id === user);
      expect(forUser).toHaveLength(1);
      expect(pushed).toMatchObject({ method: 'POST', path: '/leads', signatureValid: true, idempotencyKey: `lead:act-lead:${user}:v3` });
      expect(pushed!.body).toMatchObject({
        event: 'lead.qualified',
        tenant_id: 'act-lead',
        user_id: user,
        complete: true,
        lead: { name: 'Sara', budget: { amount: 3_000_000, currency: 'AED' }, areas: ['Dubai Marina'], property_type: 'apartment', timeline: 'within 3 months', purpose: 'live' },
      });
      const leads = await server.admin('GET', '/admin/tenants/act-lead/leads');
      expect(leads.json.leads[0]).toMatchObject({ userId: user, version: 3, syncedVersion: 3 });
    } finally {
      await server.stop();
    }
  });

  it('pushes the lead once even when the CRM answers 500 three times', async () => {
    const clock = new ManualClock();
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [realEstate('act-lead-500', '401000000000011')] });
    const user = '15550100011';
    try {
      script = {
        'everything at once': [
          { name: 'update_lead', arguments: { name: 'Omar', budget: { amount: 5_000_000, currency: 'AED' }, timeline: 'now', areas: ['Palm Jumeirah'], property_type: 'villa', purpose: 'invest' } },
        ],
      };
      crm.failNext(3, 500);
      const before = crm.requests.length;
      await say(server, '401000000000011', user, 'everything at once');
      await replyTo(graph, user, 1);
      await advanceUntil(server, clock, () => crm.requests.slice(before).some((request) => request.body && (request.body as { user_id?: string }).user_id === user && crm.accepted().includes(request)), 'the CRM to accept the lead');
      clock.advance(60 * 60_000);
      server.app.worker?.wake();
      await settle();
      const attempts = crm.requests.slice(before).filter((request) => (request.body as { user_id?: string }).user_id === user);
      expect(attempts).toHaveLength(4);
      expect(new Set(attempts.map((request) => request.idempotencyKey)).size).toBe(1);
      expect(crm.accepted().filter((request) => (request.body as { user_id?: string }).user_id === user)).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  it('sends what the lead holds to the CRM when the user escalates', async () => {
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [realEstate('act-lead-esc', '401000000000012')] });
    const user = '15550100012';
    try {
      script = { 'I am Lina': [{ name: 'update_lead', arguments: { name: 'Lina' } }] };
      await say(server, '401000000000012', user, 'I am Lina');
      await replyTo(graph, user, 1);
      await say(server, '401000000000012', user, 'let me talk to an agent');
      const pushed = await eventually(() => crm.requests.find((request) => (request.body as { user_id?: string }).user_id === user), 'the escalated lead', 10_000);
      expect(pushed!.body).toMatchObject({ event: 'lead.escalated', complete: false, lead: { name: 'Lina' } });
    } finally {
      await server.stop();
    }
  });

  it('holds back a reply that states a price and offers an agent instead', async () => {
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [realEstate('act-no-prices', '401000000000013', { guardrails: { no_prices: true } })] });
    const user = '15550100013';
    try {
      script = { 'how much is the villa?': 'The villa is AED 4,500,000 with a sea view.', 'how many bedrooms?': 'It has 5 bedrooms and 6 bathrooms.' };
      await say(server, '401000000000013', user, 'how much is the villa?');
      expect((await replyTo(graph, user, 1)).text).toBe(EN.priceWithheld);
      await say(server, '401000000000013', user, 'how many bedrooms?');
      expect((await replyTo(graph, user, 2)).text).toBe('It has 5 bedrooms and 6 bathrooms.');
      expect(graph.sends.some((send) => send.text?.includes('4,500,000'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('appointments', () => {
  // Monday 2026-11-30, 09:00 in São Paulo.
  const monday = Date.UTC(2026, 10, 30, 12, 0, 0);
  const clinic = (id: string, phoneNumberId: string) =>
    tenantFile({
      id,
      phoneNumberId,
      modelUrl: model.url,
      language: 'pt',
      keywords: ['urgência'],
      extra: {
        timezone: 'America/Sao_Paulo',
        tools: ['find_slots', 'book_appointment', 'reschedule_appointment', 'cancel_appointment'],
        calendar: { slot_minutes: 30, hours: { mon: '09:00-18:00', tue: '09:00-18:00' }, breaks: ['12:00-13:00'], min_notice: '2h' },
      },
    });

  it('books only after the user confirms in a later message, and the slot leaves the calendar', async () => {
    const clock = new ManualClock(monday);
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('act-clinic', '401000000000020')] });
    const user = '5511900000020';
    try {
      script = {
        'quero terça às 10h': [{ name: 'book_appointment', arguments: { start: '2026-12-01T10:00', confirmed: true } }],
        sim: [{ name: 'book_appointment', arguments: { start: '2026-12-01T10:00', confirmed: true } }],
        'quais horários?': [{ name: 'find_slots', arguments: { from_date: '2026-12-01', to_date: '2026-12-01' } }],
      };
      // 1. Even with confirmed: true in the same turn, the first call only holds the slot.
      await say(server, '401000000000020', user, 'quero terça às 10h');
      const first = await replyTo(graph, user, 1);
      expect(first.text).toContain('"status":"awaiting_confirmation"');
      expect(first.text).toContain('terça-feira');
      expect((await server.admin('GET', '/admin/tenants/act-clinic/appointments?status=confirmed')).json.appointments).toHaveLength(0);

      // 2. The user says yes: the booking is final.
      await say(server, '401000000000020', user, 'sim');
      expect((await replyTo(graph, user, 2)).text).toContain('"status":"confirmed"');
      const booked = (await server.admin('GET', '/admin/tenants/act-clinic/appointments?status=confirmed')).json.appointments;
      expect(booked).toHaveLength(1);
      expect(booked[0]).toMatchObject({ userId: user, start: Date.UTC(2026, 11, 1, 13, 0, 0), status: 'confirmed' });

      // 3. The calendar no longer offers it.
      await say(server, '401000000000020', '5511900000021', 'quais horários?');
      const slots = (await replyTo(graph, '5511900000021', 1)).text!;
      expect(slots).toContain('2026-12-01T09:30');
      expect(slots).not.toContain('2026-12-01T10:00');
      expect(slots).not.toContain('2026-12-01T12:00');
    } finally {
      await server.stop();
    }
  });

  it('gives one slot to exactly one of fifty users trying at once', { timeout: 60_000 }, async () => {
    const clock = new ManualClock(monday);
    const server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('act-clinic-race', '401000000000021')] });
    const users = Array.from({ length: 50 }, (_, index) => `55119100${String(index).padStart(5, '0')}`);
    try {
      script = {
        'quero 11h': [{ name: 'book_appointment', arguments: { start: '2026-12-01T11:00' } }],
        'sim, confirmo': [{ name: 'book_appointment', arguments: { start: '2026-12-01T11:00', confirmed: true } }],
      };
      await Promise.all(users.map((user) => say(server, '401000000000021', user, 'quero 11h')));
      await Promise.all(users.map((user) => replyTo(graph, user, 1)));
      await Promise.all(users.map((user) => say(server, '401000000000021', user, 'sim, confirmo')));
      const replies = await Promise.all(users.map((user) => replyTo(graph, user, 2)));
      expect(replies.filter((reply) => reply.text!.includes('"status":"confirmed"'))).toHaveLength(1);
      expect(replies.filter((reply) => reply.text!.includes('was just taken'))).toHaveLength(49);
      const live = (await server.admin('GET', '/admin/tenants/act-clinic-race/appointments')).json.appointments.filter(
        (appointment: { status: string }) => appointment.status === 'confirmed' || appointment.status === 'held',
      );
      expect(live).toHaveLength(1);
      expect(live[0].status).toBe('confirmed');
    } finally {
      await server.stop();
    }
  });
});

describe('orders', () => {
  const manager = '15550109000';
  const catalogue = path.join(scratch, 'catalogue.yaml');
  writeFileSync(
    catalogue,
    ['items:', '  - { sku: BOX-A, name: Box A, price: "4999.99", stock: 10 }', '  - { sku: BOX-B, name: Box B, price: "5000.01", stock: 10 }', '  - { sku: OIL, name: Olive oil, unit: tin, price: "12.50", stock: 3 }'].join('\n'),
  );
  const distributor = () => tenantFile({
    id: 'act-food',
    phoneNumberId: '401000000000030',
    modelUrl: model.url,
    extra: {
      tools: ['check_inventory', 'place_order', 'order_status'],
      catalogue: { file: catalogue, currency: 'USD' },
      rules: { order_review_threshold: 5000, order_review_notify: `+${manager}` },
    },
  });
  let server: RunningSwitchboard;

  beforeAll(async () => {
    server = await startSwitchboard({ graphUrl: graph.url, tenants: [distributor()] });
  });
  afterAll(async () => {
    await server.stop();
  });

  const orderFor = async (user: string) => (await server.admin('GET', '/admin/tenants/act-food/orders')).json.orders.find((order: { userId: string }) => order.userId === user);

  async function pressButton(from: string, id: string, title: string): Promise<void> {
    const message = { from, id: testWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: 'interactive', interactive: { type: 'button_reply', button_reply: { id, title } } };
    expect((await server.post(envelope('401000000000030', [message]))).status).toBe(200);
  }

  it('confirms an order of 4,999.99 USD at once', async () => {
    const user = '15550100030';
    script = { 'one box A': [{ name: 'place_order', arguments: { items: [{ sku: 'BOX-A', quantity: 1 }] } }] };
    await say(server, '401000000000030', user, 'one box A');
    const reply = await replyTo(graph, user, 1);
    expect(reply.text).toContain('"status":"confirmed"');
    expect(reply.text).toContain('"total":"$4,999.99"');
    expect(await orderFor(user)).toMatchObject({ status: 'confirmed', totalMinor: 499_999 });
    expect(sendsTo(graph, manager)).toHaveLength(0);
  });

  it('holds an order of 5,000.01 USD for the manager, whose Approve button confirms it', async () => {
    const user = '15550100031';
    script = { 'one box B': [{ name: 'place_order', arguments: { items: [{ sku: 'BOX-B', quantity: 1 }] } }] };
    await say(server, '401000000000030', user, 'one box B');
    const reply = await replyTo(graph, user, 1);
    expect(reply.text).toContain('"status":"pending_review"');
    const order = await orderFor(user);
    expect(order).toMatchObject({ status: 'pending_review', totalMinor: 500_001 });

    // 1. The manager gets the order with Approve / Reject buttons.
    const review = await replyTo(graph, manager, 1);
    expect(review.body).toMatchObject({ type: 'interactive', interactive: { type: 'button' } });
    const buttons = (review.body['interactive'] as { action: { buttons: Array<{ reply: { id: string; title: string } }> } }).action.buttons;
    expect(buttons.map((button) => button.reply.id)).toEqual([`sb:order:approve:${order.id}`, `sb:order:reject:${order.id}`]);
    expect(JSON.stringify(review.body)).toContain('$5,000.01');

    // 2. The customer cannot approve their own order by sending the button id.
    await pressButton(user, `sb:order:approve:${order.id}`, 'Approve');
    await replyTo(graph, user, 2);
    expect((await orderFor(user)).status).toBe('pending_review');

    // 3. The manager presses Approve: confirmed, the customer is told, the manager gets an acknowledgement.
    await pressButton(manager, buttons[0]!.reply.id, 'Approve');
    expect((await replyTo(graph, user, 3)).text).toBe(EN.orderApproved(order.id, '$5,000.01'));
    expect((await replyTo(graph, manager, 2)).text).toBe(EN.managerDecided(order.id, 'confirmed'));
    expect(await orderFor(user)).toMatchObject({ status: 'confirmed', decidedBy: manager });

    // 4. A second press (or Reject afterwards) changes nothing and says so.
    await pressButton(manager, buttons[1]!.reply.id, 'Reject');
    expect((await replyTo(graph, manager, 3)).text).toBe(EN.managerAlreadyDecided(order.id, 'confirmed'));
    await settle();
    expect((await orderFor(user)).status).toBe('confirmed');
    expect(sendsTo(graph, user)).toHaveLength(3);
  });

  it('refuses quantities above stock and unknown skus, with the reason for the model', async () => {
    const user = '15550100032';
    script = {
      'five tins': [{ name: 'place_order', arguments: { items: [{ sku: 'OIL', quantity: 5 }] } }],
      'a unicorn': [{ name: 'place_order', arguments: { items: [{ sku: 'UNICORN', quantity: 1 }] } }],
    };
    await say(server, '401000000000030', user, 'five tins');
    expect((await replyTo(graph, user, 1)).text).toContain('Not enough stock: OIL asked 5, available 3');
    await say(server, '401000000000030', user, 'a unicorn');
    expect((await replyTo(graph, user, 2)).text).toContain('Unknown sku: UNICORN');
    expect(await orderFor(user)).toBeUndefined();
  });
});

describe('hooks', () => {
  it('runs a tenant hook before the reply and skips one that throws', async () => {
    const hooksFile = path.join(scratch, 'hooks.ts');
    writeFileSync(
      hooksFile,
      [
        "export function beforeReply(input: { text: string }): string { return `${input.text} — Team`; }",
        "export function afterTurn(): void { throw new Error('hook broke'); }",
      ].join('\n'),
    );
    const file = tenantFile({ id: 'act-hooks', phoneNumberId: '401000000000040', modelUrl: model.url, extra: { hooks: hooksFile } });
    const server = await startSwitchboard({ graphUrl: graph.url, tenants: [file] });
    const user = '15550100040';
    try {
      script = {};
      await say(server, '401000000000040', user, 'hi');
      expect((await replyTo(graph, user, 1)).text).toBe('echo: hi — Team');
      await say(server, '401000000000040', user, 'again');
      expect((await replyTo(graph, user, 2)).text).toBe('echo: again — Team');
    } finally {
      await server.stop();
    }
  });

  it('refuses to start with a hooks module that exports something that is not a hook', async () => {
    const hooksFile = path.join(scratch, 'typo-hooks.ts');
    writeFileSync(hooksFile, 'export function beforeReplay(): void {}\n');
    const file = tenantFile({ id: 'act-hooks-typo', phoneNumberId: '401000000000041', modelUrl: model.url, extra: { hooks: hooksFile } });
    await expect(startSwitchboard({ graphUrl: graph.url, tenants: [file] })).rejects.toThrow(/exports "beforeReplay", which is not a hook/);
  });
});
