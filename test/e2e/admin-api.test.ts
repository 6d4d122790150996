// End to end: the admin API's promises (README "Admin API"): tokens scoped to a tenant, the audit log, replies
// as an agent, order decisions, figures, live events and the OpenAPI document, on the real server against fake
// Graph and model servers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { startFakeGraph, type FakeGraph, type RecordedSend } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type ChatRequest, type FakeModel, type ModelReply } from '../helpers/fake-model.js';
import { ADMIN_TOKEN, eventually, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

const EN = actionTextsFor('en');
const SHOP = { id: 'adm-shop', phone: '402000000000001' };
const OTHER = { id: 'adm-other', phone: '402000000000002' };
const FIGURES = { id: 'adm-figures', phone: '402000000000003' };
const MANAGER = '15550209000';

interface Answer {
  status: number;
  json: any;
}

/** A call to the admin API: ADMIN_TOKEN unless another token (or null: none) is given. */
async function api(server: RunningSwitchboard, method: string, pathname: string, options: { token?: string | null; body?: unknown } = {}): Promise<Answer> {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  const response = await fetch(`${server.url}${pathname}`, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** Server-sent events of `/admin/events`, read as they come. */
async function openEvents(server: RunningSwitchboard, query: string) {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/admin/events?${query}`, { signal: controller.signal });
  const events: Array<{ event: string; data: any }> = [];
  if (response.ok && response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return { response, events, close: () => controller.abort() };
}

/** The method and path of every route Fastify has, from its route tree (`printRoutes`). */
function registeredRoutes(server: RunningSwitchboard): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  for (const line of server.app.http.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of (match[3] ?? '').split(', ').filter((name) => name !== '' && name !== 'HEAD')) found.push(`${method} ${stack.join('')}`);
  }
  return found;
}

const sendsTo = (graph: FakeGraph, user: string): RecordedSend[] => graph.sends.filter((send) => send.to === `+${user}`);
const waitForSends = async (graph: FakeGraph, user: string, count: number): Promise<RecordedSend[]> =>
  (await eventually(() => (sendsTo(graph, user).length >= count ? sendsTo(graph, user) : null), `${count} sends to ${user}`, 10_000))!;

describe('admin API', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;
  let shopToken: { id: string; token: string };
  let otherToken: { id: string; token: string };

  async function say(tenant: { phone: string }, from: string, text: string): Promise<void> {
    expect((await server.post(textMessage({ phoneNumberId: tenant.phone, from, text }))).status).toBe(200);
  }

  const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-admin-'));
  const catalogue = path.join(scratch, 'catalogue.yaml');
  writeFileSync(catalogue, 'items:\n  - { sku: BOX-B, name: Box B, price: "5000.01", stock: 10 }\n');

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({
      // "one box B" places an order above the review threshold; after the tool result the model reports it.
      reply: (request: ChatRequest): ModelReply | string => {
        const last = request.messages[request.messages.length - 1]!;
        if (last.role === 'tool') return { content: `result: ${String(last.content)}` };
        const text = lastUserText(request);
        return text === 'one box B' ? { toolCalls: [{ name: 'place_order', arguments: { items: [{ sku: 'BOX-B', quantity: 1 }] } }] } : `echo: ${text}`;
      },
    });
    const shop = (id: string, phoneNumberId: string) =>
      tenantFile({
        id,
        phoneNumberId,
        modelUrl: model.url,
        extra: {
          tools: ['check_inventory', 'place_order', 'order_status'],
          catalogue: { file: catalogue, currency: 'USD' },
          rules: { order_review_threshold: 5000, order_review_notify: `+${MANAGER}` },
        },
      });
    server = await startSwitchboard({
      graphUrl: graph.url,
      tenants: [shop(SHOP.id, SHOP.phone), tenantFile({ id: OTHER.id, phoneNumberId: OTHER.phone, modelUrl: model.url }), shop(FIGURES.id, FIGURES.phone)],
    });
    shopToken = (await api(server, 'POST', '/admin/tokens', { body: { tenantId: SHOP.id, name: 'shop front desk' } })).json;
    otherToken = (await api(server, 'POST', '/admin/tokens', { body: { tenantId: OTHER.id, name: 'other staff' } })).json;
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.all([graph?.close(), model?.close()]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('tells a token who it is, and answers 401 without one, with a wrong one and with a revoked one', async () => {
    expect(shopToken.token).toMatch(/^sbt_[A-Za-z0-9_-]{43}$/);
    expect((await api(server, 'GET', '/admin/me')).json).toEqual({ role: 'admin' });
    expect((await api(server, 'GET', '/admin/me', { token: shopToken.token })).json).toEqual({ role: 'tenant', tenantId: SHOP.id, tokenId: shopToken.id });

    for (const token of [null, 'wrong-token-0123456789', `sbt_${'A'.repeat(43)}`, `${ADMIN_TOKEN}x`]) {
      const answer = await api(server, 'GET', '/admin/tenants', { token });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.json.error).toBe('UNAUTHORIZED');
    }

    const temporary = (await api(server, 'POST', '/admin/tokens', { body: { tenantId: SHOP.id, name: 'temp' } })).json;
    expect((await api(server, 'GET', '/admin/tenants', { token: temporary.token })).status).toBe(200);
    expect((await api(server, 'DELETE', `/admin/tokens/${temporary.id}`)).json).toEqual({ id: temporary.id, revoked: true });
    expect((await api(server, 'GET', '/admin/tenants', { token: temporary.token })).status).toBe(401);
    expect((await api(server, 'DELETE', `/admin/tokens/${temporary.id}`)).status).toBe(404);

    const listed = (await api(server, 'GET', '/admin/tokens')).json.tokens;
    expect(listed.find((token: { id: string }) => token.id === temporary.id)).toMatchObject({ tenantId: SHOP.id, name: 'temp', revokedAt: expect.any(Number) });
    expect(JSON.stringify(listed)).not.toContain(shopToken.token);
  });

  it("keeps a tenant token to its tenant: 403 on another tenant's conversation, order, figures and events", async () => {
    const user = '15550200001';
    await say(OTHER, user, 'hello from the other tenant');
    await waitForSends(graph, user, 1);
    const other = `/admin/tenants/${OTHER.id}`;
    const forbidden = [
      ['GET', `${other}/conversations/${user}`],
      ['GET', `${other}/conversations/${user}/messages`],
      ['POST', `${other}/conversations/${user}/takeover`],
      ['POST', `${other}/conversations/${user}/reply`],
      ['GET', `${other}/orders`],
      ['POST', `${other}/orders/ORD-0000000000/approve`],
      ['GET', `${other}/figures`],
      ['GET', `${other}/follow-ups`],
      ['GET', `/admin/conversations?tenant=${OTHER.id}`],
      ['GET', `/admin/dead-letters?tenant=${OTHER.id}`],
      ['GET', `/admin/audit?tenant=${OTHER.id}`],
      ['GET', `/admin/events?tenant=${OTHER.id}`],
      ['POST', '/admin/tokens'],
      ['GET', '/admin/tokens'],
      ['POST', '/admin/tenants/reload'],
    ] as const;
    for (const [method, pathname] of forbidden) {
      const answer = await api(server, method, pathname, { token: shopToken.token, ...(method === 'POST' ? { body: { text: 'x', tenantId: OTHER.id, name: 'x' } } : {}) });
      expect(answer.status, `${method} ${pathname}`).toBe(403);
      expect(answer.json.error).toBe('FORBIDDEN');
    }

    // Lists are filtered to the token's tenant without asking.
    const tenants = (await api(server, 'GET', '/admin/tenants', { token: shopToken.token })).json.tenants;
    expect(tenants.map((tenant: { id: string }) => tenant.id)).toEqual([SHOP.id]);
    const conversations = (await api(server, 'GET', '/admin/conversations', { token: shopToken.token })).json.conversations;
    expect(conversations.every((conversation: { tenantId: string }) => conversation.tenantId === SHOP.id)).toBe(true);
    expect((await api(server, 'GET', '/admin/conversations', { token: otherToken.token })).json.conversations.map((c: { userId: string }) => c.userId)).toContain(user);
    expect((await api(server, 'GET', `${other}/conversations/${user}`, { token: otherToken.token })).status).toBe(200);
  });

  it('replies as an agent through the tenant number only in human mode, and keeps the reply in the transcript', async () => {
    const user = '15550200002';
    const base = `/admin/tenants/${SHOP.id}/conversations/${user}`;
    const earlier = '15550200012';
    await say(SHOP, earlier, 'an earlier customer');
    await waitForSends(graph, earlier, 1);
    await say(SHOP, user, 'hi shop');
    await waitForSends(graph, user, 1);

    const refused = await api(server, 'POST', `${base}/reply`, { token: shopToken.token, body: { text: 'Hello, this is Ana.' } });
    expect(refused).toMatchObject({ status: 409, json: { error: 'CONVERSATION_NOT_IN_HUMAN_MODE' } });

    expect((await api(server, 'POST', `${base}/takeover`, { token: shopToken.token })).json).toMatchObject({ mode: 'human', changed: true });
    const before = (await api(server, 'GET', base)).json.conversation.lastActivityAt;
    const replied = await api(server, 'POST', `${base}/reply`, { token: shopToken.token, body: { text: 'Hello, this is Ana from the shop.' } });
    expect(replied).toMatchObject({ status: 200, json: { queued: true, windowOpen: true } });
    const sent = (await waitForSends(graph, user, 2))[1]!;
    expect(sent).toMatchObject({ phoneNumberId: SHOP.phone, text: 'Hello, this is Ana from the shop.', authorization: `Bearer token-${SHOP.id}` });

    const detail = (await api(server, 'GET', base)).json;
    expect(detail.conversation.lastActivityAt).toBeGreaterThanOrEqual(before);
    expect(detail.history.at(-1)).toMatchObject({ role: 'assistant', content: 'Hello, this is Ana from the shop.' });
    const transcript = await eventually(async () => {
      const messages = (await api(server, 'GET', `${base}/messages`, { token: shopToken.token })).json.messages;
      return messages.at(-1)?.delivery?.state === 'sent' ? messages : null;
    }, 'the agent message marked sent');
    expect(transcript.map((entry: { direction: string; text: string }) => `${entry.direction}: ${entry.text}`)).toEqual([
      'in: hi shop',
      'out: echo: hi shop',
      'out: Hello, this is Ana from the shop.',
    ]);
    expect(transcript[2]).toMatchObject({ kind: 'agent_message', delivery: { state: 'sent', waMessageId: sent.waMessageId } });

    // Paged backwards: the oldest entry on a page of its own.
    const newest = (await api(server, 'GET', `${base}/messages?limit=2`)).json;
    expect(newest.messages).toHaveLength(2);
    const older = (await api(server, 'GET', `${base}/messages?limit=2&before=${newest.nextBefore}`)).json;
    expect(older).toMatchObject({ messages: [{ text: 'hi shop' }], nextBefore: null });
    expect((await api(server, 'GET', `${base}/messages?before=not-a-cursor`)).json.error).toBe('REQUEST_INVALID');

    // The conversation list pages too, newest activity first.
    const first = (await api(server, 'GET', `/admin/conversations?tenant=${SHOP.id}&limit=1`)).json;
    expect(first.conversations.map((conversation: { userId: string }) => conversation.userId)).toEqual([user]);
    const rest = (await api(server, 'GET', `/admin/conversations?tenant=${SHOP.id}&limit=100&cursor=${first.nextCursor}`)).json;
    expect(rest.conversations.map((conversation: { userId: string }) => conversation.userId)).toEqual([earlier]);
    expect(rest.nextCursor).toBeNull();
  });

  it('approves an order through the API: confirmed once, and the customer is told', async () => {
    const user = '15550200003';
    await say(SHOP, user, 'one box B');
    await waitForSends(graph, user, 1);
    const pending = (await api(server, 'GET', `/admin/tenants/${SHOP.id}/orders?status=pending_review`, { token: shopToken.token })).json.orders;
    const order = pending.find((candidate: { userId: string }) => candidate.userId === user);
    expect(order).toMatchObject({ status: 'pending_review', totalMinor: 500_001 });

    expect((await api(server, 'POST', `/admin/tenants/${SHOP.id}/orders/${order.id}/approve`, { token: otherToken.token })).status).toBe(403);
    const approved = await api(server, 'POST', `/admin/tenants/${SHOP.id}/orders/${order.id}/approve`, { token: shopToken.token });
    expect(approved).toMatchObject({ status: 200, json: { changed: true, order: { id: order.id, status: 'confirmed', decidedBy: `token:${shopToken.id}` } } });
    expect((await waitForSends(graph, user, 2))[1]!.text).toBe(EN.orderApproved(order.id, '$5,000.01'));

    for (const action of ['approve', 'reject']) {
      expect((await api(server, 'POST', `/admin/tenants/${SHOP.id}/orders/${order.id}/${action}`)).json.error).toBe('ORDER_ALREADY_DECIDED');
    }
    expect((await api(server, 'POST', `/admin/tenants/${SHOP.id}/orders/ORD-NOPE000000/approve`)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sendsTo(graph, user)).toHaveLength(2);
  });

  it('counts what happened in the figures', async () => {
    const from = Date.now() - 1000;
    const user = '15550200004';
    await say(FIGURES, user, 'hello');
    await waitForSends(graph, user, 1);
    await say(FIGURES, user, 'one box B');
    await waitForSends(graph, user, 2);
    await say(FIGURES, user, 'I want an agent please');
    await waitForSends(graph, user, 3);
    await waitForSends(graph, MANAGER, 1);
    const to = Date.now() + 60_000;

    const answer = await api(server, 'GET', `/admin/tenants/${FIGURES.id}/figures?from=${from}&to=${new Date(to).toISOString()}&bucket=hour`);
    expect(answer.status).toBe(200);
    const { totals, series } = answer.json;
    expect(totals).toMatchObject({
      messagesIn: 3,
      turns: 3,
      escalations: 1,
      ordersPlaced: 1,
      ordersPendingReview: 1,
      bookings: 0,
      leads: 0,
      replyTimeMs: { count: 3, median: expect.any(Number), p95: expect.any(Number) },
    });
    expect(totals.messagesOut).toBeGreaterThanOrEqual(3); // the user's three answers and the manager's review request, once sent
    expect(totals.modelTokens).toBeGreaterThan(0);
    expect(totals.replyTimeMs.p95).toBeGreaterThanOrEqual(totals.replyTimeMs.median);
    expect(series.reduce((sum: number, bucket: { messagesIn: number }) => sum + bucket.messagesIn, 0)).toBe(3);
    expect((await api(server, 'GET', `/admin/tenants/${FIGURES.id}/figures?from=${to}&to=${from}`)).json.error).toBe('REQUEST_INVALID');

    const health = (await api(server, 'GET', '/admin/tenants')).json.tenants.find((tenant: { id: string }) => tenant.id === FIGURES.id).health;
    expect(health).toMatchObject({ messagesLastHour: 3, pendingTurns: 0, deadLetters: 0, lastInboundAt: expect.any(Number) });
  });

  it("streams an escalation live, and a tenant token only its own tenant's events", async () => {
    const scoped = await openEvents(server, `access_token=${shopToken.token}`);
    const everything = await openEvents(server, `access_token=${ADMIN_TOKEN}`);
    try {
      expect(scoped.response.status).toBe(200);
      expect(scoped.response.headers.get('content-type')).toContain('text/event-stream');
      expect((await openEvents(server, 'access_token=wrong')).response.status).toBe(401);
      await eventually(() => scoped.events.some((event) => event.event === 'ready'), 'the ready event');

      // 1. An escalation in the other tenant: the admin hears it, the shop's token does not.
      const otherUser = '15550200005';
      await say(OTHER, otherUser, 'agent');
      await eventually(() => everything.events.some((event) => event.event === 'conversation.escalated' && event.data.userId === otherUser), 'the other escalation (admin)');
      // 2. An escalation in the shop: it arrives live.
      const user = '15550200006';
      await say(SHOP, user, 'get me an agent');
      const escalated = await eventually(() => scoped.events.find((event) => event.event === 'conversation.escalated' && event.data.userId === user), 'the shop escalation');
      expect(escalated!.data).toMatchObject({ type: 'conversation.escalated', tenantId: SHOP.id, trigger: 'keyword:agent' });
      await eventually(() => scoped.events.some((event) => event.event === 'message.sent' && event.data.userId === user), 'the escalation text sent');
      expect(scoped.events.some((event) => event.event === 'message.received' && event.data.userId === user)).toBe(true);
      expect(scoped.events.some((event) => event.event === 'conversation.mode_changed' && event.data.userId === user && event.data.mode === 'human')).toBe(true);
      expect(scoped.events.filter((event) => event.event !== 'ready').every((event) => event.data.tenantId === SHOP.id)).toBe(true);
    } finally {
      scoped.close();
      // `everything` stays open: stopping the server must end it rather than wait for it.
    }
  });

  it('records every write in the audit log, without secrets and with long text cut', async () => {
    const user = '15550200007';
    const base = `/admin/tenants/${SHOP.id}/conversations/${user}`;
    await say(SHOP, user, 'audit me');
    await waitForSends(graph, user, 1);
    const longText = `Ana here. ${'x'.repeat(300)}`;
    const created = (await api(server, 'POST', '/admin/tokens', { body: { tenantId: SHOP.id, name: 'audited' } })).json;
    await api(server, 'POST', `${base}/reply`, { token: shopToken.token, body: { text: 'too early' } }); // 409
    await api(server, 'POST', `${base}/takeover`, { token: shopToken.token });
    await api(server, 'POST', `${base}/reply`, { token: shopToken.token, body: { text: longText } });
    await api(server, 'POST', `${base}/release`);
    await api(server, 'DELETE', `/admin/tokens/${created.id}`);
    await api(server, 'GET', `${base}/messages`); // a read: not audited

    const entries = await eventually(async () => {
      const listed = (await api(server, 'GET', '/admin/audit?limit=6')).json.entries;
      return listed[0]?.route === '/admin/tokens/:id' ? listed : null;
    }, 'the last write in the audit log');
    expect(entries.map((entry: { method: string; route: string; status: number }) => `${entry.method} ${entry.route} ${entry.status}`)).toEqual([
      'DELETE /admin/tokens/:id 200',
      'POST /admin/tenants/:tenantId/conversations/:userId/release 200',
      'POST /admin/tenants/:tenantId/conversations/:userId/reply 200',
      'POST /admin/tenants/:tenantId/conversations/:userId/takeover 200',
      'POST /admin/tenants/:tenantId/conversations/:userId/reply 409',
      'POST /admin/tokens 200',
    ]);
    const [revoked, released, reply, takeover, , creation] = entries;
    expect(revoked).toMatchObject({ actor: { role: 'admin' }, tenantId: SHOP.id, params: { id: created.id } });
    expect(takeover).toMatchObject({ actor: { role: 'tenant', tokenId: shopToken.id, tenantId: SHOP.id }, tenantId: SHOP.id, params: { tenantId: SHOP.id, userId: user } });
    expect(released.actor).toEqual({ role: 'admin' });
    expect(reply.body.text).toBe(`${longText.slice(0, 200)}… (${longText.length} characters)`);
    expect(creation).toMatchObject({ tenantId: SHOP.id, body: { tenantId: SHOP.id, name: 'audited' } });
    expect(entries.every((entry: { at: number }) => typeof entry.at === 'number')).toBe(true);
    expect(JSON.stringify((await api(server, 'GET', '/admin/audit?limit=500')).json)).not.toContain(created.token);

    // A tenant token reads its own tenant's entries only.
    const scoped = (await api(server, 'GET', '/admin/audit?limit=500', { token: otherToken.token })).json.entries;
    expect(scoped.every((entry: { tenantId: string }) => entry.tenantId === OTHER.id)).toBe(true);
    const page = (await api(server, 'GET', `/admin/audit?limit=2&before=${entries[1].id}`)).json.entries;
    expect(page.map((entry: { id: string }) => entry.id)).toEqual([entries[2].id, entries[3].id]);
  });

  it('serves an OpenAPI 3.1 document of every admin route, without a token', async () => {
    const answer = await api(server, 'GET', '/admin/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    const document = answer.json;
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(document.security).toEqual([{ bearer: [] }]);

    const documented = Object.entries(document.paths as Record<string, Record<string, { summary?: string; 'x-undocumented'?: boolean; responses: object }>>).flatMap(
      ([pathname, operations]) => Object.entries(operations).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${pathname.replace(/\{(\w+)\}/g, ':$1')}`, operation })),
    );
    const adminRoutes = registeredRoutes(server).filter((route) => route.split(' ')[1]!.startsWith('/admin'));
    expect(adminRoutes.length).toBeGreaterThan(30);
    expect(documented.map((entry) => entry.route).sort()).toEqual([...new Set(adminRoutes)].sort());
    const undocumented = documented.filter((entry) => entry.operation['x-undocumented'] || !entry.operation.summary).map((entry) => entry.route);
    expect(undocumented, 'routes without a description').toEqual([]);

    const reply = document.paths['/admin/tenants/{tenantId}/conversations/{userId}/reply'].post;
    expect(reply.parameters.map((parameter: { name: string; in: string }) => `${parameter.in}:${parameter.name}`)).toEqual(['path:tenantId', 'path:userId']);
    expect(reply.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', required: ['text'] });
    expect(reply.responses['409']).toBeDefined();
    expect(document.paths['/admin/openapi.json'].get.security).toEqual([]);
    const events = document.paths['/admin/events'].get;
    expect(events.responses['200'].content['text/event-stream']).toBeDefined();
    expect(events.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(['tenant', 'access_token']);
  });
});

describe('tenant files', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel();
    server = await startSwitchboard({ graphUrl: graph.url, tenants: [tenantFile({ id: 'files-one', phoneNumberId: '402000000000011', modelUrl: model.url })] });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([graph?.close(), model?.close()]);
  });

  it('validates the files on disk and reloads them all or not at all, without a restart', async () => {
    const dir = path.join(server.dir, 'tenants');
    const valid = await api(server, 'POST', '/admin/tenants/validate');
    expect(valid.json).toMatchObject({ ok: true, files: [{ tenantId: 'files-one', ok: true, errors: [] }] });

    // 1. A broken second file: reported, and a reload changes nothing.
    writeFileSync(path.join(dir, 'files-two.yaml'), stringify({ ...tenantFile({ id: 'files-two', phoneNumberId: '402000000000012', modelUrl: model.url }), language: 7 }));
    const invalid = await api(server, 'POST', '/admin/tenants/validate');
    expect(invalid.json.ok).toBe(false);
    expect(invalid.json.files.find((file: { file: string }) => file.file.endsWith('files-two.yaml'))).toMatchObject({ ok: false, errors: [expect.stringContaining('language')] });
    const refused = await api(server, 'POST', '/admin/tenants/reload');
    expect(refused).toMatchObject({ status: 400, json: { error: 'TENANT_FILE_INVALID', ok: false } });
    expect((await api(server, 'GET', '/admin/tenants')).json.tenants.map((tenant: { id: string }) => tenant.id)).toEqual(['files-one']);

    // 2. Fixed: the reload swaps in both tenants, and the new one answers at once.
    writeFileSync(path.join(dir, 'files-two.yaml'), stringify(tenantFile({ id: 'files-two', phoneNumberId: '402000000000012', modelUrl: model.url })));
    const reloaded = await api(server, 'POST', '/admin/tenants/reload');
    expect(reloaded).toMatchObject({ status: 200, json: { ok: true, tenants: 2 } });
    expect((await api(server, 'GET', '/admin/tenants')).json.tenants.map((tenant: { id: string }) => tenant.id).sort()).toEqual(['files-one', 'files-two']);
    expect(server.app.tenants.byId('files-two')).toBeDefined();
    expect((await server.post(textMessage({ phoneNumberId: '402000000000012', from: '15550200100', text: 'new here' }))).status).toBe(200);
    expect((await graph.nextSend()).text).toBe('echo: new here');
    rmSync(path.join(dir, 'files-two.yaml'));
  });
});
