import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from './fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from './fake-model.js';
import { envelope, fixture, metaJson, postWebhook, signBody, statusUpdate, textMessage } from './webhooks.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function graph(options?: { latencyMs?: number }): Promise<FakeGraph> {
  const fake = await startFakeGraph(options);
  cleanups.push(() => fake.close());
  return fake;
}

async function model(options?: Parameters<typeof startFakeModel>[0]): Promise<FakeModel> {
  const fake = await startFakeModel(options);
  cleanups.push(() => fake.close());
  return fake;
}

function sendText(base: string, phoneNumberId: string, to: string, body: string) {
  return postJson(`${base}/v25.0/${phoneNumberId}/messages`, {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'text',
    text: { body, preview_url: false },
  });
}

async function postJson(url: string, body: unknown, authorization = 'Bearer token-a') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

function parseSse(text: string): { events: string[]; chunks: any[] } {
  expect(text.endsWith('\n\n')).toBe(true);
  const events = text.slice(0, -2).split('\n\n');
  for (const event of events) expect(event.startsWith('data: ')).toBe(true);
  const payloads = events.map((event) => event.slice('data: '.length));
  expect(payloads.at(-1)).toBe('[DONE]');
  return { events: payloads, chunks: payloads.slice(0, -1).map((payload) => JSON.parse(payload)) };
}

describe('fake graph', () => {
  it('records a send and answers like the Cloud API', async () => {
    const fake = await graph();
    const { status, json } = await sendText(fake.url, '111', '+5511987654321', 'Olá');
    expect(status).toBe(200);
    expect(json).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '+5511987654321', wa_id: '5511987654321' }],
      messages: [{ id: 'wamid.fake.1' }],
    });
    expect(fake.sends).toHaveLength(1);
    expect(fake.sends[0]).toMatchObject({
      phoneNumberId: '111',
      authorization: 'Bearer token-a',
      to: '+5511987654321',
      text: 'Olá',
      waMessageId: 'wamid.fake.1',
      body: { type: 'text', text: { body: 'Olá' } },
    });
    expect(typeof fake.sends[0]!.at).toBe('number');
  });

  it('keeps read receipts apart from sends', async () => {
    const fake = await graph();
    const { status, json } = await postJson(`${fake.url}/v25.0/111/messages`, {
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.in.1',
    });
    expect(status).toBe(200);
    expect(json).toEqual({ success: true });
    expect(fake.reads).toHaveLength(1);
    expect(fake.reads[0]).toMatchObject({ phoneNumberId: '111', body: { message_id: 'wamid.in.1' } });
    expect(fake.sends).toHaveLength(0);
    expect(fake.attempts).toHaveLength(1);
  });

  it('fails the next sends as told, then succeeds', async () => {
    const fake = await graph();
    const reengagement = {
      error: {
        code: 131047,
        message: 'Re-engagement message',
        type: 'OAuthException',
        error_data: { details: 'more than 24 hours have passed' },
        fbtrace_id: 'X',
      },
    };
    fake.failNext(1, { status: 500 });
    fake.failNext(1, { status: 400, body: reengagement });

    const first = await sendText(fake.url, '111', '+15550001', 'one');
    expect(first.status).toBe(500);
    expect(first.json.error.code).toEqual(expect.any(Number));
    const second = await sendText(fake.url, '111', '+15550001', 'two');
    expect(second).toEqual({ status: 400, json: reengagement });
    const third = await sendText(fake.url, '111', '+15550001', 'three');
    expect(third.status).toBe(200);

    expect(fake.attempts.map((attempt) => attempt.status)).toEqual([500, 400, 200]);
    expect(fake.sends.map((send) => send.text)).toEqual(['three']);
    expect(third.json.messages[0].id).toBe(fake.sends[0]!.waMessageId);
  });

  it('can drop the connection to simulate a network failure', async () => {
    const fake = await graph();
    fake.failNext(1, { drop: true });
    await expect(sendText(fake.url, '111', '+15550001', 'lost')).rejects.toThrow();
    expect((await sendText(fake.url, '111', '+15550001', 'kept')).status).toBe(200);
    expect(fake.attempts.map((attempt) => attempt.status)).toEqual([0, 200]);
  });

  it('hands out sends once each, in order, through nextSend', async () => {
    const fake = await graph();
    await sendText(fake.url, '111', '+15550001', 'first');
    await sendText(fake.url, '111', '+15550001', 'second');
    expect((await fake.nextSend()).text).toBe('first');
    expect((await fake.nextSend()).text).toBe('second');

    // 1. wait before the send exists; 2. the send arrives; 3. the waiter gets it.
    const waiting = fake.nextSend(2000);
    await sendText(fake.url, '111', '+15550001', 'third');
    expect((await waiting).text).toBe('third');

    await expect(fake.nextSend(50)).rejects.toThrow(/no new message send within 50 ms \(3 sends accepted, 3 already taken/);
  });

  it('waits for a total number of sends', async () => {
    const fake = await graph({ latencyMs: 5 });
    const waiting = fake.waitForSends(3, 2000);
    await Promise.all(['a', 'b', 'c'].map((text) => sendText(fake.url, '111', '+15550001', text)));
    expect((await waiting).map((send) => send.text).sort()).toEqual(['a', 'b', 'c']);
    await expect(fake.waitForSends(4, 50)).rejects.toThrow(/at least 4 message sends within 50 ms/);
  });

  it('applies latency and handles concurrent requests', async () => {
    const fake = await graph();
    fake.setLatency(30);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => sendText(fake.url, '111', '+15550001', `m${index}`)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(new Set(results.map((result) => result.json.messages[0].id)).size).toBe(20);
  });

  it('rejects pending waiters on close', async () => {
    const fake = await startFakeGraph();
    const waiting = fake.nextSend(10_000);
    await fake.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe('fake model', () => {
  const chat = (text: string) => ({ model: 'fake-1', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: text }] });

  it('echoes the last user message in the chat completion format', async () => {
    const fake = await model();
    const { status, json } = await postJson(`${fake.url}/chat/completions`, chat('hello there'), 'Bearer sk-test');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'fake-1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'echo: hello there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ authorization: 'Bearer sk-test', body: chat('hello there') });
    expect(lastUserText(fake.requests[0]!)).toBe('hello there');
  });

  it('also answers without the /v1 prefix and reads text parts', async () => {
    const fake = await model();
    const origin = fake.url.replace(/\/v1$/, '');
    const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'from parts' }] }] };
    const { json } = await postJson(`${origin}/chat/completions`, body);
    expect(json.choices[0].message.content).toBe('echo: from parts');
  });

  it('streams chunks that concatenate to the reply, with usage last', async () => {
    const fake = await model({ reply: () => 'one two  three' });
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...chat('hi'), stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const { chunks } = parseSse(await response.text());
    for (const chunk of chunks) expect(chunk).toMatchObject({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'fake-1' });
    const usageChunk = chunks.at(-1);
    expect(usageChunk).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } });
    const choiceChunks = chunks.slice(0, -1);
    for (const chunk of choiceChunks) expect(chunk.usage).toBeNull();
    expect(choiceChunks[0].choices[0].delta.role).toBe('assistant');
    expect(choiceChunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')).toBe('one two  three');
    expect(choiceChunks.map((chunk) => chunk.choices[0].finish_reason)).toEqual([...Array(choiceChunks.length - 1).fill(null), 'stop']);
  });

  it('streams without usage unless asked', async () => {
    const fake = await model();
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...chat('x'), stream: true }),
    });
    const { chunks } = parseSse(await response.text());
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).toHaveLength(1);
    }
  });

  it('answers tool calls in the OpenAI format, streaming or not', async () => {
    const fake = await model({ reply: () => ({ toolCalls: [{ name: 'book_appointment', arguments: { day: 'monday', hour: 9 } }] }) });
    const { json } = await postJson(`${fake.url}/chat/completions`, chat('book me'));
    expect(json.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'book_appointment' } }],
      },
    });
    expect(JSON.parse(json.choices[0].message.tool_calls[0].function.arguments)).toEqual({ day: 'monday', hour: 9 });

    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...chat('book me'), stream: true }),
    });
    const { chunks } = parseSse(await response.text());
    const calls = chunks.flatMap((chunk) => chunk.choices[0].delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'book_appointment' } });
    expect(JSON.parse(calls.map((call: any) => call.function.arguments).join(''))).toEqual({ day: 'monday', hour: 9 });
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
  });

  it('fails the next requests with an OpenAI error, then recovers', async () => {
    const fake = await model();
    fake.failNext(1);
    fake.failNext(1, 429);
    expect((await postJson(`${fake.url}/chat/completions`, chat('a'))).status).toBe(500);
    const limited = await postJson(`${fake.url}/chat/completions`, chat('b'));
    expect(limited.status).toBe(429);
    expect(limited.json.error.message).toMatch(/injected failure/);
    expect((await postJson(`${fake.url}/chat/completions`, chat('c'))).status).toBe(200);
    expect(fake.requests).toHaveLength(3);
  });

  it('setReply and setLatency change later answers', async () => {
    const fake = await model();
    fake.setReply((request) => ({ content: `got ${request.messages.length} messages` }));
    fake.setLatency(30);
    const started = Date.now();
    const { json } = await postJson(`${fake.url}/chat/completions`, chat('a'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(json.choices[0].message.content).toBe('got 2 messages');
  });

  it('holds requests while hanging and releases them when turned off', async () => {
    const fake = await model();
    fake.hang(true);
    const pending = postJson(`${fake.url}/chat/completions`, chat('later'));
    await expect.poll(() => fake.requests.length).toBe(1);
    fake.hang(false);
    expect((await pending).json.choices[0].message.content).toBe('echo: later');
  });

  it('close() ends hung requests instead of leaving the test hanging', async () => {
    const fake = await startFakeModel();
    fake.hang(true);
    const pending = postJson(`${fake.url}/chat/completions`, chat('never'));
    await expect.poll(() => fake.requests.length).toBe(1);
    const started = Date.now();
    await fake.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('webhook helpers', () => {
  it('metaJson escapes non-ASCII as \\uXXXX (surrogate pairs for emoji) and / as \\/', () => {
    expect(metaJson({ text: 'é 😀 a/b' })).toBe('{"text":"\\u00e9 \\ud83d\\ude00 a\\/b"}');
    expect(JSON.parse(metaJson({ text: 'é 😀 a/b', n: [1, null] }))).toEqual({ text: 'é 😀 a/b', n: [1, null] });
  });

  it('signBody matches an independently computed HMAC-SHA256', () => {
    const raw = metaJson(textMessage({ phoneNumberId: '111', from: '15550001', text: 'Olá 😀' }));
    const expected = createHmac('sha256', 'app-secret').update(Buffer.from(raw, 'utf8')).digest('hex');
    expect(signBody(raw, 'app-secret')).toBe(`sha256=${expected}`);
    expect(signBody(Buffer.from(raw), 'app-secret')).toBe(`sha256=${expected}`);
    // RFC 4231 test case 2.
    expect(signBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('builds complete text and status envelopes', () => {
    const body = textMessage({ phoneNumberId: '111', from: '15550001', text: 'hi', name: 'Ana' });
    const value = body.entry[0]!.changes[0]!;
    expect(body.object).toBe('whatsapp_business_account');
    expect(value.field).toBe('messages');
    expect(value.value).toMatchObject({
      messaging_product: 'whatsapp',
      metadata: { phone_number_id: '111', display_phone_number: expect.any(String) },
      contacts: [{ profile: { name: 'Ana' }, wa_id: '15550001' }],
      messages: [{ from: '15550001', type: 'text', text: { body: 'hi' }, id: expect.stringMatching(/^wamid\.test\./), timestamp: expect.stringMatching(/^\d+$/) }],
    });
    const other = textMessage({ phoneNumberId: '111', from: '15550001', text: 'hi' });
    expect(other.entry[0]!.changes[0]!.value.messages[0]).not.toEqual(value.value.messages[0]);

    expect(envelope('111', [{ from: '1', id: 'w', timestamp: '1', type: 'system' }], null).entry[0]!.changes[0]!.value).not.toHaveProperty('contacts');

    const status = statusUpdate({ phoneNumberId: '111', waMessageId: 'wamid.fake.1', status: 'failed', errors: [{ code: 131026 }] });
    expect(status.entry[0]!.changes[0]!.value).toMatchObject({ statuses: [{ id: 'wamid.fake.1', status: 'failed', errors: [{ code: 131026 }] }] });
  });

  it('postWebhook sends Meta-style bytes with the right signature header', async () => {
    const received: Array<{ url: string; headers: http.IncomingHttpHeaders; raw: string }> = [];
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ url: request.url ?? '', headers: request.headers, raw: Buffer.concat(chunks).toString('utf8') });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const body = textMessage({ phoneNumberId: '111', from: '15550001', text: 'café 😀 https://x.io/a' });
    expect(await postWebhook(base, body, { appSecret: 's3cret' })).toEqual({ status: 200, text: 'ok' });
    await postWebhook(base, '{"raw":true}', { appSecret: 's3cret', signature: 'sha256=forged' });
    await postWebhook(base, body, { signature: null });

    expect(received[0]!.url).toBe('/webhook');
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.raw).toBe(metaJson(body));
    expect(received[0]!.raw).toContain('caf\\u00e9 \\ud83d\\ude00 https:\\/\\/x.io\\/a');
    expect(received[0]!.headers['x-hub-signature-256']).toBe(signBody(received[0]!.raw, 's3cret'));
    expect(received[1]).toMatchObject({ raw: '{"raw":true}', headers: { 'x-hub-signature-256': 'sha256=forged' } });
    expect(received[2]!.headers).not.toHaveProperty('x-hub-signature-256');
  });

  it('reads shared fixtures byte for byte', () => {
    const raw = fixture('text.json');
    expect(JSON.parse(raw).entry[0].changes[0].value.metadata.phone_number_id).toBe('111111111111111');
    expect(() => fixture('missing.json')).toThrow(/missing\.json/);
  });
});
