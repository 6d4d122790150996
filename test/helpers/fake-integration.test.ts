import { afterEach, describe, expect, it } from 'vitest';
import { signPayload, SIGNATURE_HEADER } from '../../src/actions/integrations/sign-payload.js';
import { startFakeIntegration, type FakeIntegration } from './fake-integration.js';

const SECRET = 'fake-integration-secret';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fake(): Promise<FakeIntegration> {
  const integration = await startFakeIntegration({ secret: SECRET });
  cleanups.push(() => integration.close());
  return integration;
}

function send(integration: FakeIntegration, options: { path?: string; body?: unknown; key?: string; secret?: string } = {}) {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const headers: Record<string, string> = { [SIGNATURE_HEADER]: signPayload(options.secret ?? SECRET, Math.floor(Date.now() / 1000), body) };
  if (body !== '') headers['content-type'] = 'application/json';
  if (options.key) headers['idempotency-key'] = options.key;
  return fetch(`${integration.url}${options.path ?? '/leads'}`, { method: body === '' ? 'GET' : 'POST', headers, ...(body === '' ? {} : { body }) });
}

describe('startFakeIntegration', () => {
  it('records requests and echoes the body by default', async () => {
    const crm = await fake();
    const response = await send(crm, { path: '/leads?source=whatsapp&x=1', body: { name: 'Ana' }, key: 'k1' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, echo: { name: 'Ana' } });
    expect(crm.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/leads', query: { source: 'whatsapp', x: '1' }, body: { name: 'Ana' }, rawBody: '{"name":"Ana"}', signatureValid: true, idempotencyKey: 'k1' }),
    ]);
  });

  it('answers 401 to a bad signature and records it as invalid', async () => {
    const crm = await fake();
    const response = await send(crm, { body: { name: 'Ana' }, secret: 'wrong' });
    expect(response.status).toBe(401);
    expect(crm.requests[0]!.signatureValid).toBe(false);
    expect(crm.accepted()).toEqual([]);
  });

  it('fails the next n requests, then routes answers through respond', async () => {
    const crm = await fake();
    crm.failNext(2);
    crm.failNext(1, 429);
    crm.respond((request) => (request.path === '/teapot' ? { status: 418, body: { short: 'and stout' } } : undefined));
    const statuses = [];
    for (let index = 0; index < 5; index++) statuses.push((await send(crm, { path: index === 4 ? '/teapot' : '/leads', body: { index } })).status);
    expect(statuses).toEqual([500, 500, 429, 200, 418]);
    expect(crm.requests).toHaveLength(5);
  });

  it('lists accepted requests once per idempotency key', async () => {
    const crm = await fake();
    crm.failNext(1);
    await send(crm, { body: { n: 1 }, key: 'lead-1' }); // 1. fails
    await send(crm, { body: { n: 2 }, key: 'lead-1' }); // 2. retry accepted
    await send(crm, { body: { n: 3 }, key: 'lead-1' }); // 3. duplicate retry, accepted again by HTTP
    await send(crm, { body: { n: 4 } }); //                4. no key: always kept
    await send(crm, { body: { n: 5 } });
    expect(crm.accepted().map((request) => request.body)).toEqual([{ n: 2 }, { n: 4 }, { n: 5 }]);
  });

  it('waits for requests, and times out with a list of what arrived', async () => {
    const crm = await fake();
    const waiting = crm.waitForRequests(2);
    await send(crm, { body: { n: 1 } });
    await send(crm);
    expect(await waiting).toHaveLength(2);

    crm.failNext(1, 503);
    await send(crm, { path: '/orders', body: { n: 3 }, key: 'o-3' });
    await expect(crm.waitForRequests(5, 50)).rejects.toThrow(/expected at least 5 requests within 50 ms; received 3:\n.*POST \/leads → 200\n.*GET \/leads → 200\n.*POST \/orders → 503 key=o-3/);
  });

  it('rejects pending waits on close', async () => {
    const crm = await startFakeIntegration({ secret: SECRET });
    const waiting = crm.waitForRequests(1);
    await crm.close();
    await expect(waiting).rejects.toThrow(/closed while waiting for 1 requests; nothing received/);
  });
});
