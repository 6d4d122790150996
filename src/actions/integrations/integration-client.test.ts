import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIntegration, type FakeIntegration } from '../../../test/helpers/fake-integration.js';
import { SwitchboardError } from '../../shared/errors.js';
import { IntegrationClient, type IntegrationTarget } from './integration-client.js';
import { SIGNATURE_HEADER, verifyPayloadSignature } from './sign-payload.js';

const SECRET = 'crm-shared-secret-9c1e';
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeIntegration> {
  const integration = await startFakeIntegration({ secret: SECRET });
  cleanups.push(() => integration.close());
  return integration;
}

function client(options?: ConstructorParameters<typeof IntegrationClient>[0]): IntegrationClient {
  const integrationClient = new IntegrationClient(options);
  cleanups.push(() => integrationClient.close());
  return integrationClient;
}

function target(url: string, overrides: Partial<IntegrationTarget> = {}): IntegrationTarget {
  return { name: 'crm', url, secret: SECRET, timeoutMs: 2000, ...overrides };
}

/** A server that accepts connections and reads requests but never answers. */
async function silentServer(): Promise<string> {
  const server = http.createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SwitchboardError);
  return error as SwitchboardError;
}

describe('IntegrationClient.call', () => {
  it('posts signed JSON with the idempotency key and user agent, and returns the parsed answer', async () => {
    const crm = await fake();
    crm.respond((request) => ({ status: 201, body: { id: 'lead-1', name: (request.body as { name: string }).name } }));

    const response = await client().call(target(`${crm.url}/api/`), {
      method: 'POST',
      path: '/leads',
      body: { name: 'Ana', phone: '+5511987654321', note: 'Olá' },
      idempotencyKey: 'lead:tenant-a:wamid.1',
    });

    expect(response).toEqual({ status: 201, json: { id: 'lead-1', name: 'Ana' } });
    const [request] = await crm.waitForRequests(1);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/api/leads',
      query: {},
      body: { name: 'Ana', phone: '+5511987654321', note: 'Olá' },
      rawBody: JSON.stringify({ name: 'Ana', phone: '+5511987654321', note: 'Olá' }),
      signatureValid: true,
      idempotencyKey: 'lead:tenant-a:wamid.1',
    });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe(`switchboard/${VERSION}`);
    expect(request!.headers[SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(crm.accepted()).toHaveLength(1);
  });

  it('sends a GET with its query, no body and a signature over the empty string', async () => {
    const calendar = await fake();
    calendar.respond((request) => (request.path === '/slots' ? { status: 200, body: { slots: ['09:00', '10:30'] } } : undefined));

    const response = await client().call(target(calendar.url, { name: 'calendar' }), {
      method: 'GET',
      path: 'slots',
      query: { date: '2025-03-14', service: 'limpeza & clareamento' },
      body: { ignored: true },
    });

    expect(response).toEqual({ status: 200, json: { slots: ['09:00', '10:30'] } });
    const request = calendar.requests[0]!;
    expect(request).toMatchObject({ method: 'GET', path: '/slots', query: { date: '2025-03-14', service: 'limpeza & clareamento' }, rawBody: '', body: null, signatureValid: true, idempotencyKey: null });
    expect(request.headers['content-type']).toBeUndefined();
  });

  it('signs with the injected clock, so a stale clock is refused by the receiver and not retried', async () => {
    const crm = await fake();
    const fixedMs = Date.parse('2025-03-14T12:00:00Z');
    const stale = client({ now: () => fixedMs });

    const error = await failure(stale.call(target(crm.url), { method: 'POST', path: '/leads', body: { name: 'Ana' } }));
    const header = crm.requests[0]!.headers[SIGNATURE_HEADER]!;
    expect(header.startsWith(`t=${fixedMs / 1000},`)).toBe(true);
    expect(verifyPayloadSignature(SECRET, header, crm.requests[0]!.rawBody, fixedMs / 1000)).toBe(true);
    expect([error.code, error.retryable, error.details?.httpStatus]).toEqual(['INTEGRATION_CALL_FAILED', false, 401]);
    expect(error.message).toContain('check the shared secret');
  });

  it('fails retryably on 500, with the integration, method, path, status and body excerpt', async () => {
    const erp = await fake();
    erp.failNext(1, 500);
    const error = await failure(client().call(target(erp.url, { name: 'erp' }), { method: 'PUT', path: '/orders/42', query: { phone: '+5511987654321' }, body: { status: 'paid' } }));
    expect(error.code).toBe('INTEGRATION_CALL_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.details).toEqual({ integration: 'erp', httpStatus: 500, path: '/orders/42', timedOut: false });
    expect(error.message).toMatch(/^erp PUT \/orders\/42 answered 500: \{"error":\{"code":"FAKE_FAILURE".*retrying/);
    expect(error.message).not.toContain('+5511987654321');
  });

  it('fails permanently on 400 and other 4xx', async () => {
    const crm = await fake();
    crm.respond(() => ({ status: 400, body: { error: 'phone is required' } }));
    const error = await failure(client().call(target(crm.url), { method: 'POST', path: '/leads', body: {} }));
    expect([error.code, error.retryable, error.details?.httpStatus]).toEqual(['INTEGRATION_CALL_FAILED', false, 400]);
    expect(error.message).toContain('phone is required');

    crm.respond(() => ({ status: 404 }));
    const notFound = await failure(client().call(target(crm.url), { method: 'DELETE', path: '/leads/9' }));
    expect([notFound.retryable, notFound.details?.httpStatus]).toEqual([false, 404]);
    expect(notFound.message).toContain('(empty body)');
  });

  it('fails retryably on 429, 408 and 425', async () => {
    const crm = await fake();
    const call = () => client().call(target(crm.url), { method: 'POST', path: '/leads', body: { name: 'Ana' } });
    for (const status of [429, 408, 425]) {
      crm.failNext(1, status);
      const error = await failure(call());
      expect([error.code, error.retryable, error.details?.httpStatus]).toEqual(['INTEGRATION_CALL_FAILED', true, status]);
    }
  });

  it('fails retryably when the system does not answer within timeoutMs', async () => {
    const url = await silentServer();
    const started = Date.now();
    const error = await failure(client().call(target(url, { timeoutMs: 100 }), { method: 'POST', path: '/leads', body: { name: 'Ana' } }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect([error.code, error.retryable, error.status]).toEqual(['INTEGRATION_CALL_FAILED', true, undefined]);
    expect(error.details).toEqual({ integration: 'crm', httpStatus: null, path: '/leads', timedOut: true });
    expect(error.message).toContain('no answer within 100 ms');
  });

  it('fails retryably when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failure(client().call(target(`http://127.0.0.1:${port}`), { method: 'GET', path: '/leads' }));
    expect([error.code, error.retryable]).toEqual(['INTEGRATION_CALL_FAILED', true]);
    expect(error.details).toEqual({ integration: 'crm', httpStatus: null, path: '/leads', timedOut: false });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never puts the secret or the signature in the error, even when the system echoes them', async () => {
    const crm = await fake();
    crm.respond((request) => ({ status: 403, body: { error: `bad secret ${SECRET}`, header: request.headers[SIGNATURE_HEADER], padding: 'x'.repeat(500) } }));
    const error = await failure(client().call(target(crm.url), { method: 'POST', path: '/leads', body: { name: 'Ana' } }));
    const signature = crm.requests[0]!.headers[SIGNATURE_HEADER]!;
    const everything = `${error.message} ${JSON.stringify(error.details)}`;
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(signature.split('v1=')[1]!);
    expect(error.message).toContain('[redacted]');
    const excerpt = error.message.slice(error.message.indexOf('answered 403: ') + 'answered 403: '.length, error.message.indexOf('…') + 1);
    expect(excerpt.length).toBeLessThanOrEqual(200);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('fails permanently with INTEGRATION_RESPONSE_INVALID when a 2xx claims JSON but is not', async () => {
    const injected = client({ fetch: async () => new Response('{"id": "lead-1",', { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' } }) });
    const error = await failure(injected.call(target('http://127.0.0.1:9'), { method: 'POST', path: '/leads', body: { name: 'Ana' } }));
    expect([error.code, error.retryable, error.status]).toEqual(['INTEGRATION_RESPONSE_INVALID', false, undefined]);
    expect(error.details).toEqual({ integration: 'crm', httpStatus: 201, path: '/leads' });
    expect(error.message).toContain('{"id": "lead-1",');
  });

  it('returns null json for an empty or non-JSON 2xx body', async () => {
    const crm = await fake();
    crm.respond(() => ({ status: 204 }));
    expect(await client().call(target(crm.url), { method: 'DELETE', path: '/leads/9' })).toEqual({ status: 204, json: null });

    const text = client({ fetch: async () => new Response('OK', { status: 200, headers: { 'content-type': 'text/plain' } }) });
    expect(await text.call(target('http://127.0.0.1:9'), { method: 'GET', path: '/health' })).toEqual({ status: 200, json: null });
  });

  it('sends the same signed request through an injected fetch', async () => {
    const crm = await fake();
    const response = await client({ fetch: globalThis.fetch, userAgent: 'switchboard-test' }).call(target(crm.url), {
      method: 'PATCH',
      path: '/leads/7',
      body: { stage: 'qualified' },
      idempotencyKey: 'k-7',
    });
    expect(response).toEqual({ status: 200, json: { ok: true, echo: { stage: 'qualified' } } });
    expect(crm.requests[0]).toMatchObject({ method: 'PATCH', path: '/leads/7', signatureValid: true, idempotencyKey: 'k-7', headers: { 'user-agent': 'switchboard-test' } });
  });

  it('fails permanently when the target url is not a URL', async () => {
    const error = await failure(client().call(target('crm.example.com'), { method: 'GET', path: '/leads' }));
    expect([error.code, error.retryable, error.details?.httpStatus]).toEqual(['INTEGRATION_CALL_FAILED', false, null]);
  });
});
