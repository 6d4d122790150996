// End to end: `provider: local` runs a GGUF model in-process. The models are tiny GGUF files the test
// helper writes (random weights, so replies are noise), loaded and run by the real llama.cpp through
// node-llama-cpp; nothing is downloaded: pulls point at a refused loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LlamaChatModel } from '../../src/adapters/llama/llama-chat-model.js';
import { runToolLoop, TurnEffects, type Tool } from '../../src/engine/index.js';
import { textsFor } from '../../src/escalation/default-texts.js';
import { createLogger } from '../../src/shared/logger.js';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { APP_SECRET, eventually, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { writeTinyGguf } from '../helpers/tiny-gguf.js';
import { postWebhook, textMessage } from '../helpers/webhooks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EN = textsFor('en');

/** A loopback port nothing listens on: a download from it is refused at once, as with no network. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function localTenant(options: { id: string; phoneNumberId: string; modelPath: string; maxTokens: number; extra?: Record<string, unknown> }): Record<string, unknown> {
  const file = tenantFile({ id: options.id, phoneNumberId: options.phoneNumberId, modelUrl: 'http://127.0.0.1:1/unused', ...(options.extra ? { extra: options.extra } : {}) });
  const { base_url: _unused, ...ai } = file['ai'] as Record<string, unknown>;
  return { ...file, ai: { ...ai, provider: 'local', model: 'tiny', model_path: options.modelPath, temperature: 0, max_tokens: options.maxTokens, timeout: '20s', max_tool_steps: 2 } };
}

describe('provider: local through the real pipeline', () => {
  let dir: string;
  let graph: FakeGraph;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-local-'));
    writeTinyGguf(path.join(dir, 'tiny.gguf'), { seed: 11 });
    writeTinyGguf(path.join(dir, 'tiny-tools.gguf'), { seed: 11, startsWithToolCall: true });
    graph = await startFakeGraph();
    server = await startSwitchboard({
      graphUrl: graph.url,
      tenants: [
        localTenant({ id: 'local_chat', phoneNumberId: '181000000000001', modelPath: 'tiny.gguf', maxTokens: 24 }),
        localTenant({ id: 'local_tools', phoneNumberId: '181000000000002', modelPath: path.join(dir, 'tiny-tools.gguf'), maxTokens: 400, extra: { tools: ['update_lead'] } }),
        localTenant({ id: 'local_missing', phoneNumberId: '181000000000003', modelPath: 'missing.gguf', maxTokens: 24 }),
      ],
      env: { MODELS_DIR: dir, LOCAL_MODEL_THREADS: '1', LOCAL_MODEL_CONTEXT: '8192', LOCAL_MODEL_AUTO_PULL: 'false' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a WhatsApp message with the local model: the reply reaches the Graph API', async () => {
    await server.post(textMessage({ phoneNumberId: '181000000000001', from: '15550001001', text: 'hello, are you open today?' }));
    const send = await graph.nextSend(15_000);
    expect(send.to).toBe('+15550001001');
    expect(send.text?.trim().length).toBeGreaterThan(0);
    expect(send.text).not.toBe(EN.fallbackMessage);
    const model = server.app.tenants.byId('local_chat')!.model;
    expect(model).toMatchObject({ provider: 'local', modelPath: 'tiny.gguf' });
  });

  it('runs a turn whose model calls a tool: the engine runs it, then the model replies', async () => {
    await server.post(textMessage({ phoneNumberId: '181000000000002', from: '15550001002', text: 'I want a villa' }));
    const send = await graph.nextSend(15_000);
    expect(send.to).toBe('+15550001002');
    expect(send.text).not.toBe(EN.fallbackMessage);
    // The model's update_lead call (arguments made valid by the grammar) was executed: the lead is saved.
    const leads = await server.admin('GET', '/admin/tenants/local_tools/leads');
    expect(leads.status).toBe(200);
    expect(JSON.stringify(leads.json.leads)).toContain('15550001002');
  });

  it('answers with the fallback text and escalates when the model file is missing, without crashing', async () => {
    expect(server.app.tenants.byId('local_missing')!.problems.join('; ')).toMatch(/model file .*missing\.gguf is missing: check ai\.model_path/);
    await server.post(textMessage({ phoneNumberId: '181000000000003', from: '15550001003', text: 'hello?' }));
    const send = await eventually(() => graph.sends.find((candidate) => candidate.to === '+15550001003'), 'the fallback text', 10_000);
    expect(send!.text).toBe(EN.fallbackMessage);
    const conversation = await server.admin('GET', '/admin/tenants/local_missing/conversations/15550001003');
    expect(conversation.json.conversation).toMatchObject({ mode: 'human' }); // escalated to a person
    expect((await server.admin('GET', '/readyz', null)).status).toBe(200);
  });
});

describe('the engine tool loop on the local model', () => {
  it('executes the tool call the model makes, with arguments that passed the grammar, and ends in text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-local-loop-'));
    writeTinyGguf(path.join(dir, 'tools.gguf'), { seed: 5, startsWithToolCall: true });
    const chat = new LlamaChatModel({ modelsDir: dir, defaultModelFile: 'tools.gguf', sequences: 1, contextSize: 1024, threads: 1 });
    const received: unknown[] = [];
    const tool: Tool<{ size: 'small' | 'large'; gift: boolean }> = {
      name: 'choose_box',
      description: 'Chooses the box for the order.',
      input: z.object({ size: z.enum(['small', 'large']), gift: z.boolean() }),
      async run(input) {
        received.push(input);
        return { chosen: input.size };
      },
    };
    try {
      const result = await runToolLoop({
        chat,
        request: {
          tenantId: 'shop',
          settings: { provider: 'local', model: 'tiny', temperature: 0, maxTokens: 60, timeoutMs: 20_000 },
          system: 'You pack orders.',
          messages: [{ role: 'user', content: 'pack it as a gift' }],
        },
        tools: [tool],
        context: { tenantId: 'shop', userId: 'u1', turnKey: 'k1', turnId: 't1', now: Date.now(), effects: new TurnEffects(), log: createLogger({ level: 'silent' }) },
        maxSteps: 2,
      });
      // 1. Step one: the model called the tool; the loop validated and ran it.
      expect(result.calls.length).toBeGreaterThan(0);
      expect(result.calls.every((call) => call.ok)).toBe(true);
      expect(received[0]).toMatchObject({ size: expect.stringMatching(/^(small|large)$/), gift: expect.any(Boolean) });
      // 2. Step two offered no tools: the turn ended in text.
      expect(result.steps).toBe(2);
      expect(result.text.length).toBeGreaterThan(0);
    } finally {
      await chat.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('switchboard model pull with no network', () => {
  it('fails within seconds with one clear line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-pull-cli-'));
    const port = await refusedPort();
    const started = Date.now();
    const { code, stderr, stdout } = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'model', 'pull'], {
        cwd: root,
        env: { PATH: process.env['PATH'] ?? '', MODELS_DIR: dir, LOCAL_MODEL_URL: `http://127.0.0.1:${port}/qwen.gguf` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      let out = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (exitCode) => resolve({ code: exitCode, stderr: err, stdout: out }));
    });
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^switchboard: MODEL_PULL_FAILED: could not download Qwen2\.5 1\.5B Instruct Q4_K_M from 127\.0\.0\.1:\d+: connect ECONNREFUSED .*Without network, copy qwen2\.5-1\.5b-instruct-q4_k_m\.gguf/);
    expect(Date.now() - started).toBeLessThan(10_000); // tsx's start-up included
  });
});

describe('npm start with the shipped tenants, no model and no network', () => {
  let graph: FakeGraph;
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-start-'));
    graph = await startFakeGraph();
    server = await startServerProcess({
      TENANTS_DIR: path.join(root, 'tenants'),
      DATABASE_URL: `sqlite:${path.join(dir, 'switchboard.db')}`,
      MODELS_DIR: path.join(dir, 'models'),
      LOCAL_MODEL_URL: `http://127.0.0.1:${await refusedPort()}/qwen.gguf`,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_GRAPH_URL: graph.url,
      DENTAL_WHATSAPP_TOKEN: 'token-dental',
      REALESTATE_WHATSAPP_TOKEN: 'token-realestate',
      FOOD_WHATSAPP_TOKEN: 'token-food',
    });
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    await graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tries the pull once, says why it failed in one line, and keeps answering with the fallback text', async () => {
    // 1. The three tenants run the local model by default, and its file is missing.
    const degraded = server.logs.filter((entry) => entry['msg'] === 'tenant.degraded');
    expect(degraded).toHaveLength(3);
    for (const entry of degraded) expect(JSON.stringify(entry['problems'])).toContain('qwen2.5-1.5b-instruct-q4_k_m.gguf is missing: run `switchboard model pull`');
    // 2. The background pull fails fast, in one clear log line.
    const failed = (await eventually(() => server.logs.find((entry) => entry['msg'] === 'model.pull_failed'), 'model.pull_failed', 10_000))!;
    expect(failed).toMatchObject({ level: 50, code: 'MODEL_PULL_FAILED' });
    expect(String(failed['error'])).toMatch(/ECONNREFUSED.*Without network, copy qwen2\.5-1\.5b-instruct-q4_k_m\.gguf .* or set LOCAL_MODEL_URL to a mirror$/);
    expect(server.logs.filter((entry) => entry['msg'] === 'model.pull_started')).toHaveLength(1);
    // 3. The server still answers: the user gets the fallback text, and the conversation is escalated.
    await postWebhook(server.url, textMessage({ phoneNumberId: '108800451277012', from: '15550002001', text: 'do you have apples?' }), { appSecret: APP_SECRET });
    const sends = await graph.waitForSends(1, 10_000);
    expect(sends[0]).toMatchObject({ to: '+15550002001', text: EN.fallbackMessage });
    expect(server.child.exitCode).toBeNull();
  });
});
