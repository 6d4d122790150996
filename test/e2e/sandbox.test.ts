// End to end: sandbox mode (WHATSAPP_SANDBOX=1). The simulator posts as a customer through the real signed
// webhook path and the real pipeline; the bot's messages come back from the built-in Graph API stand-in on the
// simulator's stream, buttons included; delivery states move through status webhooks as in production.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { buildApp } from '../../src/app.js';
import { readEnv } from '../../src/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type ChatRequest, type FakeModel, type ModelReply } from '../helpers/fake-model.js';
import { buttonsOf, openSimulatorStream, postAsCustomer } from '../helpers/simulator.js';
import { ADMIN_TOKEN, eventually, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';

const EN = actionTextsFor('en');
const MANAGER = '15550109100';
let model: FakeModel;
const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-sandbox-'));

/** The food distributor's order tools answer scripted texts; anything else is echoed. */
function scriptedModel(request: ChatRequest): ModelReply | string {
  const last = request.messages[request.messages.length - 1]!;
  if (last.role === 'tool') return { content: `result: ${String(last.content)}` };
  const text = lastUserText(request);
  if (text === 'one box B') return { toolCalls: [{ name: 'place_order', arguments: { items: [{ sku: 'BOX-B', quantity: 1 }] } }] };
  return `echo: ${text}`;
}

/** A tenant file with no access token (the sandbox gives one) and, through the env, no app secret. */
function sandboxTenant(id: string, phoneNumberId: string, extra: Record<string, unknown> = {}) {
  return tenantFile({ id, phoneNumberId, modelUrl: model.url, extra: { whatsapp: { phone_number_id: phoneNumberId }, ...extra } });
}

function startSandbox(tenants: Array<Record<string, unknown>>): Promise<RunningSwitchboard> {
  // graphUrl '' leaves WHATSAPP_GRAPH_URL unset; WHATSAPP_APP_SECRET '' unsets the helper's secret.
  return startSwitchboard({ graphUrl: '', tenants, env: { WHATSAPP_SANDBOX: '1', WHATSAPP_APP_SECRET: '' } });
}

beforeAll(async () => {
  model = await startFakeModel({ reply: scriptedModel });
});

afterAll(async () => {
  await model.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('sandbox mode', () => {
  let server: RunningSwitchboard;
  const catalogue = path.join(scratch, 'catalogue.yaml');

  beforeAll(async () => {
    writeFileSync(catalogue, ['items:', '  - { sku: BOX-B, name: Box B, price: "5000.01", stock: 10 }'].join('\n'));
    server = await startSandbox([
      sandboxTenant('sb-echo', '601000000000001'),
      sandboxTenant('sb-food', '601000000000002', {
        tools: ['place_order'],
        catalogue: { file: catalogue, currency: 'USD' },
        rules: { order_review_threshold: 5000, order_review_notify: `+${MANAGER}` },
      }),
    ]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('gives tenants without a token or an app secret sandbox ones, so none is degraded', async () => {
    const { json } = await server.admin('GET', '/admin/tenants');
    expect(json.tenants.map((tenant: { id: string; problems: string[] }) => [tenant.id, tenant.problems])).toEqual([
      ['sb-echo', []],
      ['sb-food', []],
    ]);
  });

  it("answers a simulator message through the real pipeline: the reply reaches the stream and the outbox row moves to read", async () => {
    const user = '15550101001';
    const stream = await openSimulatorStream(server.url, 'sb-echo', user);
    try {
      // 1. The simulator signs a webhook with the tenant's (sandbox) app secret and POSTs it to /webhook.
      const posted = await postAsCustomer(server.url, { tenantId: 'sb-echo', from: '+1 555 010 1001', text: 'olá, tudo bem? ☀️' });
      expect(posted).toEqual({ status: 200, json: { waMessageId: expect.stringMatching(/^wamid\.simulator\./), webhookStatus: 200 } });

      // 2. The bot's reply leaves through the Graph client and arrives from the stand-in on the stream.
      const reply = await stream.next();
      expect(reply).toMatchObject({
        type: 'sandbox.message',
        tenantId: 'sb-echo',
        userId: user,
        phoneNumberId: '601000000000001',
        waMessageId: expect.stringMatching(/^wamid\.sandbox\./),
        body: { messaging_product: 'whatsapp', to: `+${user}`, type: 'text', text: { body: 'echo: olá, tudo bem? ☀️' } },
      });

      // 3. The outbox row carries the sandbox's wamid; sent, delivered and (shown on a stream) read come back as webhooks.
      const outbound = await eventually(async () => {
        const { json } = await server.admin('GET', `/admin/tenants/sb-echo/conversations/${user}`);
        const row = json?.outbound?.find((message: { waMessageId: string | null }) => message.waMessageId === reply.waMessageId);
        return row?.state === 'read' ? row : null;
      }, 'the outbox row to be read');
      expect(outbound).toMatchObject({ kind: 'reply', state: 'read', waMessageId: reply.waMessageId });
    } finally {
      stream.close();
    }
  });

  it('shows reply buttons on the stream, and a button press reaches the bot as a button reply', async () => {
    const customer = '15550101002';
    const managerStream = await openSimulatorStream(server.url, 'sb-food', MANAGER);
    const customerStream = await openSimulatorStream(server.url, 'sb-food', customer);
    try {
      // 1. The customer orders above the review threshold; the manager gets the order with Approve / Reject buttons.
      expect((await postAsCustomer(server.url, { tenantId: 'sb-food', from: customer, text: 'one box B' })).status).toBe(200);
      expect((await customerStream.next()).body.text.body).toContain('"status":"pending_review"');
      const review = await managerStream.next((message) => message.body.type === 'interactive');
      expect(review.body.interactive).toMatchObject({ type: 'button', body: { text: expect.stringContaining('$5,000.01') } });
      const [approve] = buttonsOf(review.body);
      expect(approve).toEqual({ id: expect.stringMatching(/^sb:order:approve:ORD-/), title: EN.approve });
      const orderId = approve!.id.split(':').pop()!;

      // 2. The manager presses Approve in the simulator: an interactive button_reply through the webhook.
      const pressed = await postAsCustomer(server.url, { tenantId: 'sb-food', from: MANAGER, button: approve });
      expect(pressed.status).toBe(200);

      // 3. The bot acted on the button's id: the order is confirmed and both sides are told.
      expect((await managerStream.next()).body.text.body).toBe(EN.managerDecided(orderId, 'confirmed'));
      expect((await customerStream.next()).body.text.body).toBe(EN.orderApproved(orderId, '$5,000.01'));
      const { json } = await server.admin('GET', '/admin/tenants/sb-food/orders');
      expect(json.orders.find((order: { id: string }) => order.id === orderId)).toMatchObject({ status: 'confirmed', decidedBy: MANAGER });
    } finally {
      managerStream.close();
      customerStream.close();
    }
  });

  it("gives an ordinary button's title to the model, and lists what the stand-in sent", async () => {
    const user = '15550101003';
    const stream = await openSimulatorStream(server.url, 'sb-echo', user);
    try {
      expect((await postAsCustomer(server.url, { tenantId: 'sb-echo', from: user, button: { id: 'opt_yes', title: 'Yes, please' } })).status).toBe(200);
      expect((await stream.next()).body.text.body).toBe('echo: Yes, please');
      const recent = await server.admin('GET', `/admin/simulator/messages?tenantId=sb-echo&user=${user}`);
      expect(recent.json.messages.map((message: { body: { text: { body: string } } }) => message.body.text.body)).toEqual(['echo: Yes, please']);
    } finally {
      stream.close();
    }
  });

  it("lets a tenant token use the simulator for its own tenant only", async () => {
    const created = await fetch(`${server.url}/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'sb-echo', name: 'front desk' }),
    });
    const { token } = (await created.json()) as { token: string };
    const user = '15550101005';
    const stream = await openSimulatorStream(server.url, 'sb-echo', user, token);
    try {
      expect((await postAsCustomer(server.url, { tenantId: 'sb-echo', from: user, text: 'staff test' }, token)).status).toBe(200);
      expect((await stream.next()).body.text.body).toBe('echo: staff test');
    } finally {
      stream.close();
    }
    expect(await postAsCustomer(server.url, { tenantId: 'sb-food', from: user, text: 'hi' }, token)).toMatchObject({ status: 403, json: { error: 'FORBIDDEN' } });
    const other = await fetch(`${server.url}/admin/simulator/stream?tenantId=sb-food&user=${user}&access_token=${token}`);
    expect(other.status).toBe(403);
  });

  it('keeps the simulator behind the admin token and validates what it posts', async () => {
    expect((await postAsCustomer(server.url, { tenantId: 'sb-echo', from: '15550101004', text: 'hi' }, null)).status).toBe(401);
    expect((await postAsCustomer(server.url, { tenantId: 'sb-echo', from: '15550101004', text: 'hi' }, 'wrong-token-0123456789')).status).toBe(401);
    const stream = await fetch(`${server.url}/admin/simulator/stream?tenantId=sb-echo&user=15550101004&access_token=wrong`);
    expect(stream.status).toBe(401);
    const unknown = await postAsCustomer(server.url, { tenantId: 'nobody', from: '15550101004', text: 'hi' });
    expect(unknown).toMatchObject({ status: 404, json: { error: 'TENANT_NOT_FOUND' } });
    const both = await postAsCustomer(server.url, { tenantId: 'sb-echo', from: '15550101004', text: 'hi', button: { id: 'a', title: 'A' } });
    expect(both).toMatchObject({ status: 400, json: { error: 'REQUEST_INVALID', message: expect.stringContaining('exactly one of text, button or list') } });
    expect((await postAsCustomer(server.url, { tenantId: 'sb-echo', from: 'abc', text: 'hi' })).status).toBe(400);
  });
});

describe('live mode', () => {
  let graph: FakeGraph;
  let server: RunningSwitchboard;
  beforeAll(async () => {
    graph = await startFakeGraph();
    server = await startSwitchboard({ graphUrl: graph.url, tenants: [tenantFile({ id: 'live-one', phoneNumberId: '601000000000009', modelUrl: model.url })] });
  });
  afterAll(async () => {
    await server.stop();
    await graph.close();
  });

  it('has no sandbox: the simulator and the stand-in answer 404 with the way to turn it on', async () => {
    const posted = await postAsCustomer(server.url, { tenantId: 'live-one', from: '15550101009', text: 'hi' });
    expect(posted).toMatchObject({ status: 404, json: { error: 'SANDBOX_DISABLED', message: expect.stringContaining('WHATSAPP_SANDBOX=1') } });
    const stream = await fetch(`${server.url}/admin/simulator/stream?tenantId=live-one&user=15550101009&access_token=${ADMIN_TOKEN}`);
    expect(stream.status).toBe(404);
    expect((await stream.json()).error).toBe('SANDBOX_DISABLED');
    const graphRoute = await fetch(`${server.url}/sandbox/graph/v25.0/601000000000009/messages`, { method: 'POST', body: '{}' });
    expect(graphRoute.status).toBe(404);
  });
});

describe('the start-up log', () => {
  /** Runs buildApp + start with a logger that records lines; returns them with the URL. */
  async function startLogged(env: Record<string, string>) {
    const dir = mkdtempSync(path.join(scratch, 'logged-'));
    mkdirSync(path.join(dir, 'tenants'));
    writeFileSync(path.join(dir, 'tenants', 'logged.yaml'), stringify(sandboxTenant('logged', '601000000000010')));
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const app = await buildApp({
      env: readEnv({ PORT: '0', HOST: '127.0.0.1', TENANTS_DIR: path.join(dir, 'tenants'), DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, LOG_LEVEL: 'info', ...env }),
      logger: createLogger({ level: 'info', destination }),
    });
    const { url } = await app.start();
    return { app, url: url!, lines, mode: () => lines.find((line) => line['mode'] !== undefined) };
  }

  it('names sandbox mode with the console and a generated admin token that works', async () => {
    const { app, url, mode } = await startLogged({ WHATSAPP_SANDBOX: '1' });
    try {
      const line = (await eventually(mode, 'the mode line'))!;
      expect(line).toMatchObject({ mode: 'sandbox' });
      const port = new URL(url).port;
      const match = new RegExp(
        `^sandbox mode: WhatsApp is simulated \\(no messages leave this machine\\); console at http://127\\.0\\.0\\.1:${port}/console, admin token ([0-9a-f]{48}) `,
      ).exec(String(line['msg']));
      expect(match, String(line['msg'])).not.toBeNull();
      const tenants = await fetch(`${url}/admin/tenants`, { headers: { authorization: `Bearer ${match![1]}` } });
      expect(tenants.status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it('names live mode with the Graph API URL', async () => {
    const { app, mode } = await startLogged({ ADMIN_TOKEN: 'configured-admin-token-0123' });
    try {
      expect(await eventually(mode, 'the mode line')).toMatchObject({ mode: 'live', msg: 'live mode: Graph API at https://graph.facebook.com/v25.0' });
    } finally {
      await app.stop();
    }
  });
});
