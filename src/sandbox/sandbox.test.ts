import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventBus } from '../adapters/memory/memory-event-bus.js';
import { tenantSchema } from '../config/index.js';
import { GraphClient } from '../outbound/index.js';
import type { SwitchboardEvent } from '../ports/event-bus.js';
import { SwitchboardError } from '../shared/errors.js';
import { silentLogger } from '../shared/logger.js';
import { buildTenant, TenantRegistry } from '../tenancy/index.js';
import { inProcessFetch, SANDBOX_GRAPH_URL } from './in-process-fetch.js';
import { withSandboxTokens } from './sandbox-credentials.js';
import { sandboxGraphRoutes } from './sandbox-graph-routes.js';
import { Sandbox } from './sandbox.js';

const PHONE_ID = '501000000000001';

function loadedTenant(id: string, phoneNumberId: string, accessToken?: string) {
  const config = tenantSchema.parse({
    id,
    name: id,
    language: 'en',
    timezone: 'UTC',
    whatsapp: { phone_number_id: phoneNumberId, ...(accessToken ? { access_token: accessToken } : {}) },
    ai: { provider: 'openai-compatible', model: 'm', base_url: 'http://127.0.0.1:1/v1', system_prompt: 'You help.' },
  });
  return { file: `tenants/${id}.yaml`, config, unsetVariables: [] };
}

let http: FastifyInstance;
let sandbox: Sandbox;
let graph: GraphClient;
let events: SwitchboardEvent[];
let tenants: TenantRegistry;

beforeEach(async () => {
  const bus = new MemoryEventBus();
  events = [];
  bus.subscribe(null, (event) => events.push(event));
  sandbox = new Sandbox({ tenants: () => tenants, events: bus, clock: { now: () => 1_767_868_200_000 }, log: silentLogger(), statusDelaysMs: null });
  const loaded = withSandboxTokens([loadedTenant('shop', PHONE_ID), loadedTenant('own-token', '501000000000002', 'real-token')], (id) => sandbox.accessTokenFor(id));
  tenants = new TenantRegistry(loaded.map((tenant) => buildTenant(tenant, { appSecret: sandbox.appSecret }, () => null)));
  http = Fastify();
  await http.register(sandboxGraphRoutes, { prefix: '/sandbox/graph', sandbox });
  graph = new GraphClient({ baseUrl: SANDBOX_GRAPH_URL, apiVersion: 'v25.0', fetch: inProcessFetch(() => http) });
});

afterEach(async () => {
  await sandbox.close();
  await http.close();
});

describe('sandbox credentials', () => {
  it('gives a tenant without a token a sandbox one, keeps a configured one, and reports no problem', () => {
    expect(tenants.byId('shop')!.accessToken).toBe(sandbox.accessTokenFor('shop'));
    expect(tenants.byId('own-token')!.accessToken).toBe('real-token');
    expect(tenants.all().map((tenant) => tenant.problems)).toEqual([[], []]);
  });
});

describe('the Graph API stand-in, through the real Graph client', () => {
  it('accepts a text send with a wamid.sandbox id and publishes it for the recipient', async () => {
    const { waMessageId } = await graph.sendMessage(PHONE_ID, tenants.byId('shop')!.accessToken!, {
      to: { kind: 'phone', value: '5511987654321' },
      body: { type: 'text', text: { body: 'Olá!', preview_url: false } },
      contextMessageId: 'wamid.in.1',
    });
    expect(waMessageId).toMatch(/^wamid\.sandbox\.[0-9a-z]+\.1$/);
    expect(events).toEqual([
      {
        type: 'sandbox.message',
        tenantId: 'shop',
        userId: '5511987654321',
        phoneNumberId: PHONE_ID,
        waMessageId,
        body: expect.objectContaining({ to: '+5511987654321', type: 'text', text: { body: 'Olá!', preview_url: false }, context: { message_id: 'wamid.in.1' } }),
        at: 1_767_868_200_000,
      },
    ]);
    expect(sandbox.recent('shop', '5511987654321').map((message) => message.waMessageId)).toEqual([waMessageId]);
  });

  it('publishes reply buttons and finds the message offering one', async () => {
    const buttons = [
      { type: 'reply', reply: { id: 'sb:order:approve:ORD-1', title: 'Approve' } },
      { type: 'reply', reply: { id: 'sb:order:reject:ORD-1', title: 'Reject' } },
    ];
    const { waMessageId } = await graph.sendMessage(PHONE_ID, tenants.byId('shop')!.accessToken!, {
      to: { kind: 'phone', value: '15550109000' },
      body: { type: 'interactive', interactive: { type: 'button', body: { text: 'Order ORD-1' }, action: { buttons } } },
    });
    expect(events[0]!.type === 'sandbox.message' && events[0]!.body['interactive']).toMatchObject({ action: { buttons } });
    expect(sandbox.findOffer('shop', '15550109000', 'sb:order:reject:ORD-1')?.waMessageId).toBe(waMessageId);
    expect(sandbox.findOffer('shop', '15550109000', 'other')).toBeUndefined();
  });

  it('answers read receipts without publishing them', async () => {
    await graph.markRead(PHONE_ID, tenants.byId('shop')!.accessToken!, 'wamid.in.2', true);
    expect(events).toEqual([]);
  });

  it('refuses an unknown phone_number_id like Graph does', async () => {
    const response = await http.inject({ method: 'POST', url: '/sandbox/graph/v25.0/999/messages', headers: { authorization: 'Bearer x' }, payload: { messaging_product: 'whatsapp', to: '1555', text: { body: 'x' } } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 100, error_subcode: 33, type: 'GraphMethodException', fbtrace_id: expect.any(String) } });
    expect(response.json().error.message).toContain("Object with ID '999' does not exist");
  });

  it('refuses a wrong token with 190, which the Graph client classifies as a permanent auth failure', async () => {
    const failure = await graph
      .sendMessage(PHONE_ID, 'someone-else', { to: { kind: 'phone', value: '15551234567' }, body: { type: 'text', text: { body: 'x' } } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SwitchboardError);
    expect(failure).toMatchObject({ code: 'GRAPH_SEND_FAILED', retryable: false, details: { httpStatus: 401, graphCode: 190, kind: 'auth' } });
    expect(events).toEqual([]);
  });

  it('refuses an invalid body with Meta codes, which the Graph client treats as permanent', async () => {
    const failure = await graph
      .sendMessage(PHONE_ID, tenants.byId('shop')!.accessToken!, {
        to: { kind: 'phone', value: '15551234567' },
        body: { type: 'interactive', interactive: { type: 'button', body: { text: 'x' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'x'.repeat(21) } }] } } },
      })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'GRAPH_SEND_FAILED', retryable: false, details: { graphCode: 131009, graphDetails: expect.stringContaining('Button title length invalid') } });
  });

  it('answers a body that is not JSON and an unknown path in Graph style', async () => {
    const notJson = await http.inject({ method: 'POST', url: `/sandbox/graph/v25.0/${PHONE_ID}/messages`, headers: { authorization: `Bearer ${sandbox.accessTokenFor('shop')}`, 'content-type': 'application/json' }, payload: '{oops' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe(100);
    const unknown = await http.inject({ method: 'GET', url: `/sandbox/graph/v25.0/${PHONE_ID}/media` });
    expect(unknown.json().error.code).toBe(2500);
  });
});

describe('outside sandbox mode', () => {
  it('answers 404 SANDBOX_DISABLED', async () => {
    const off = Fastify();
    await off.register(sandboxGraphRoutes, { prefix: '/sandbox/graph', sandbox: null });
    const response = await off.inject({ method: 'POST', url: `/sandbox/graph/v25.0/${PHONE_ID}/messages`, payload: {} });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: 'SANDBOX_DISABLED', message: expect.stringContaining('WHATSAPP_SANDBOX=1') });
    await off.close();
  });
});
