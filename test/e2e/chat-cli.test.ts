// End to end: `switchboard chat`, the simulator in a terminal, run as a real child process with piped stdin
// against a sandbox server.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { lastUserText, startFakeModel, type ChatRequest, type FakeModel, type ModelReply } from '../helpers/fake-model.js';
import { postAsCustomer } from '../helpers/simulator.js';
import { ADMIN_TOKEN, eventually, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EN = actionTextsFor('en');
const MANAGER = '15550109200';

interface ChatProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `switchboard chat` through tsx, stdin a pipe (not a terminal). */
function startChat(server: RunningSwitchboard, args: string[]): ChatProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'chat', '--url', server.url, '--token', ADMIN_TOKEN, '--wait', '8000', ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function scriptedModel(request: ChatRequest): ModelReply | string {
  const last = request.messages[request.messages.length - 1]!;
  if (last.role === 'tool') return { content: `result: ${String(last.content)}` };
  const text = lastUserText(request);
  if (text === 'one box B') return { toolCalls: [{ name: 'place_order', arguments: { items: [{ sku: 'BOX-B', quantity: 1 }] } }] };
  return `echo: ${text}`;
}

let model: FakeModel;
let server: RunningSwitchboard;
const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-chat-'));

beforeAll(async () => {
  model = await startFakeModel({ reply: scriptedModel });
  const catalogue = path.join(scratch, 'catalogue.yaml');
  writeFileSync(catalogue, ['items:', '  - { sku: BOX-B, name: Box B, price: "5000.01", stock: 10 }'].join('\n'));
  const tenant = (id: string, phoneNumberId: string, extra: Record<string, unknown> = {}) =>
    tenantFile({ id, phoneNumberId, modelUrl: model.url, extra: { whatsapp: { phone_number_id: phoneNumberId }, ...extra } });
  server = await startSwitchboard({
    graphUrl: '',
    env: { WHATSAPP_SANDBOX: '1', WHATSAPP_APP_SECRET: '' },
    tenants: [
      tenant('chat-echo', '701000000000001'),
      tenant('chat-food', '701000000000002', {
        tools: ['place_order'],
        catalogue: { file: catalogue, currency: 'USD' },
        rules: { order_review_threshold: 5000, order_review_notify: `+${MANAGER}` },
      }),
    ],
  });
});

afterAll(async () => {
  await server.stop();
  await model.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('switchboard chat', () => {
  it("sends piped lines in turn and prints the bot's replies, then exits at the end of the input", async () => {
    const chat = startChat(server, ['--tenant', 'chat-echo', '--from', '+1 555 010 2001']);
    chat.child.stdin.end('hello there\nsecond línea\n');
    expect(await chat.exited, chat.stderr()).toBe(0);
    expect(chat.stdout().split('\n')).toEqual([
      'chatting with chat-echo as +15550102001: type a message, a number to press a button; Ctrl-D quits',
      'you: hello there', 'bot: echo: hello there', 'you: second línea', 'bot: echo: second línea', '']);
    const { json } = await server.admin('GET', '/admin/tenants/chat-echo/conversations/15550102001');
    expect(json.outbound.map((message: { waMessageId: string }) => message.waMessageId)).toEqual([expect.stringMatching(/^wamid\.sandbox\./), expect.stringMatching(/^wamid\.sandbox\./)]);
  });

  it('numbers reply buttons, and typing a number presses one', async () => {
    // 1. The manager's terminal is open; a customer orders above the review threshold.
    const chat = startChat(server, ['--tenant', 'chat-food', '--from', MANAGER]);
    await eventually(() => chat.stdout().startsWith('chatting with chat-food'), `chat to start (${chat.stderr()})`, 15_000);
    const customer = '15550102002';
    await eventually(async () => (await postAsCustomer(server.url, { tenantId: 'chat-food', from: customer, text: 'one box B' })).status === 200, 'the order message');

    // 2. The order arrives with numbered buttons.
    await eventually(() => chat.stdout().includes('[2] Reject'), `numbered buttons in: ${chat.stdout()}`, 15_000);
    expect(chat.stdout()).toMatch(/\[1\] Approve\n/);

    // 3. "1" presses Approve: the order is confirmed and the acknowledgement is printed before the chat exits.
    chat.child.stdin.end('1\n');
    expect(await chat.exited, chat.stderr()).toBe(0);
    const { json } = await server.admin('GET', '/admin/tenants/chat-food/orders');
    const order = json.orders.find((candidate: { userId: string }) => candidate.userId === customer);
    expect(order).toMatchObject({ status: 'confirmed', decidedBy: MANAGER });
    expect(chat.stdout()).toContain(`you: 1\nbot: ${EN.managerDecided(order.id, 'confirmed')}\n`);
  });

  it('says what is wrong when the token is refused', async () => {
    const chat = startChat(server, ['--tenant', 'chat-echo', '--token', 'wrong-token-0123456789']);
    chat.child.stdin.end('hi\n');
    expect(await chat.exited).toBe(1);
    expect(chat.stderr()).toMatch(/^switchboard: CHAT_CONNECT_FAILED: the server refused the stream with 401: UNAUTHORIZED: .*--token/);
  });
});
