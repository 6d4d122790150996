import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, it, expect } from 'vitest';
import { SwitchboardError } from '../shared/errors.js';
import { GraphClient } from './graph-client.js';

interface Received {
  method: string | undefined;
  path: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

type Answer = { status: number; body: string; delayMs?: number };

const TOKEN = 'EAAG-secret-token';
const received: Received[] = [];
let nextAnswer: Answer;
let server: http.Server;
let baseUrl: string;

function json(status: number, body: unknown): Answer {
  return { status, body: JSON.stringify(body) };
}

function graphError(status: number, code: number, message: string): Answer {
  return json(status, {
    error: { message, type: 'OAuthException', code, error_subcode: 2494010, error_data: { messaging_product: 'whatsapp', details: `details of ${code}` }, fbtrace_id: 'A1b2C3d4' },
  });
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

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method, path: request.url, headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const { status, body, delayMs = 0 } = nextAnswer;
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body);
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  nextAnswer = json(200, { messaging_product: 'whatsapp', contacts: [{ input: '+5511987654321', wa_id: '5511987654321' }], messages: [{ id: 'wamid.out.1' }] });
});

describe('GraphClient.sendMessage', () => {
  it('posts the message with the bearer token and returns the wamid', async () => {
    const client = new GraphClient({ baseUrl: `${baseUrl}/`, apiVersion: 'v25.0' });
    const result = await client.sendMessage('1234567890', TOKEN, {
      to: { kind: 'phone', value: '5511987654321' },
      body: { type: 'text', text: { body: 'Olá! Posso ajudar?', preview_url: false } },
      contextMessageId: 'wamid.in.1',
      callbackData: 'job-42',
    });
    expect(result).toEqual({ waMessageId: 'wamid.out.1' });
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v25.0/1234567890/messages');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '+5511987654321',
      type: 'text',
      text: { body: 'Olá! Posso ajudar?', preview_url: false },
      context: { message_id: 'wamid.in.1' },
      biz_opaque_callback_data: 'job-42',
    });
  });

  it('addresses a BSUID user by recipient', async () => {
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    await client.sendMessage('1234567890', TOKEN, {
      to: { kind: 'bsuid', value: 'BR.0a1b2c' },
      body: { type: 'template', template: { name: 'hello', language: { code: 'pt_BR' } } },
    });
    expect(received[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      recipient: 'BR.0a1b2c',
      type: 'template',
      template: { name: 'hello', language: { code: 'pt_BR' } },
    });
  });

  it('fails permanently on 131047 (window closed), with Meta ids and no token in the message', async () => {
    nextAnswer = graphError(400, 131047, `Re-engagement message for token ${TOKEN}`);
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    const error = await failure(client.sendMessage('1234567890', TOKEN, { to: { kind: 'phone', value: '5511987654321' }, body: { type: 'text', text: { body: 'hi' } } }));
    expect(error.code).toBe('GRAPH_SEND_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/^Graph API answered 400 \(#131047\) window_closed /);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error.details)).not.toContain(TOKEN);
    expect(error.details).toEqual({
      httpStatus: 400,
      graphCode: 131047,
      subcode: 2494010,
      kind: 'window_closed',
      fbtraceId: 'A1b2C3d4',
      minDelayMs: null,
      graphDetails: 'details of 131047',
    });
  });

  it('retries 131056 no sooner than 6 s', async () => {
    nextAnswer = graphError(400, 131056, '(#131056) pair rate limit hit');
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    const error = await failure(client.sendMessage('1', TOKEN, { to: { kind: 'phone', value: '1' }, body: { type: 'text', text: { body: 'hi' } } }));
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ kind: 'pair_rate_limit', minDelayMs: 6000 });
  });

  it('retries 500, 429 and a non-JSON 502', async () => {
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    const send = () => client.sendMessage('1', TOKEN, { to: { kind: 'phone', value: '1' }, body: { type: 'text', text: { body: 'hi' } } });

    nextAnswer = graphError(500, 131000, 'Something went wrong');
    const serverError = await failure(send());
    expect([serverError.retryable, serverError.details?.kind, serverError.details?.httpStatus]).toEqual([true, 'transient', 500]);

    nextAnswer = json(429, { error: { message: 'slow down' } });
    const tooMany = await failure(send());
    expect([tooMany.retryable, tooMany.details?.kind, tooMany.details?.graphCode]).toEqual([true, 'rate_limit', null]);

    nextAnswer = { status: 502, body: '<html><body>Bad Gateway</body></html>' };
    const badGateway = await failure(send());
    expect(badGateway.code).toBe('GRAPH_SEND_FAILED');
    expect([badGateway.retryable, badGateway.details?.kind, badGateway.details?.graphCode]).toEqual([true, 'transient', null]);
    expect(badGateway.message).toMatch(/^Graph API answered 502 \(no error code\) transient/);
  });

  it('fails permanently when a 200 has no message id', async () => {
    nextAnswer = json(200, { messaging_product: 'whatsapp', messages: [] });
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    const error = await failure(client.sendMessage('1', TOKEN, { to: { kind: 'phone', value: '1' }, body: { type: 'text', text: { body: 'hi' } } }));
    expect(error.code).toBe('GRAPH_RESPONSE_INVALID');
    expect(error.retryable).toBe(false);
  });

  it('fails retryably when Graph does not answer in time', async () => {
    nextAnswer = { ...json(200, { messages: [{ id: 'wamid.late' }] }), delayMs: 1000 };
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0', timeoutMs: 50 });
    const error = await failure(client.sendMessage('1', TOKEN, { to: { kind: 'phone', value: '1' }, body: { type: 'text', text: { body: 'hi' } } }));
    expect(error.code).toBe('GRAPH_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ kind: 'transient', timedOut: true });
    expect(error.message).toContain('no answer within 50 ms');
  });

  it('fails retryably when the connection is refused', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const client = new GraphClient({ baseUrl: `http://127.0.0.1:${port}`, apiVersion: 'v25.0' });
    const error = await failure(client.sendMessage('1', TOKEN, { to: { kind: 'phone', value: '1' }, body: { type: 'text', text: { body: 'hi' } } }));
    expect(error.code).toBe('GRAPH_UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ kind: 'transient', timedOut: false });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('GraphClient.markRead', () => {
  it('marks a message read, with the typing indicator when asked', async () => {
    nextAnswer = json(200, { success: true });
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    await client.markRead('1234567890', TOKEN, 'wamid.in.7');
    await client.markRead('1234567890', TOKEN, 'wamid.in.8', true);
    expect(received.map((request) => [request.path, request.headers.authorization, request.body])).toEqual([
      ['/v25.0/1234567890/messages', `Bearer ${TOKEN}`, { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in.7' }],
      [
        '/v25.0/1234567890/messages',
        `Bearer ${TOKEN}`,
        { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.in.8', typing_indicator: { type: 'text' } },
      ],
    ]);
  });

  it('throws the classified failure', async () => {
    nextAnswer = graphError(401, 190, 'Error validating access token');
    const client = new GraphClient({ baseUrl, apiVersion: 'v25.0' });
    const error = await failure(client.markRead('1', TOKEN, 'wamid.in.9'));
    expect([error.code, error.retryable, error.details?.kind]).toEqual(['GRAPH_SEND_FAILED', false, 'auth']);
  });
});
