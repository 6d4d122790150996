// The local model adapter on real llama.cpp: tiny GGUF models written by the test helper (random
// weights, a byte-level BPE vocabulary, Qwen2.5's chat template) load, answer, call tools through
// grammar-constrained function calling, queue on their sequences, time out, and fail clearly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeTinyGguf } from '../../../test/helpers/tiny-gguf.js';
import type { ChatRequest, ModelSettings, ToolSpec } from '../../ports/chat-model.js';
import { SwitchboardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { LlamaChatModel } from './llama-chat-model.js';

const deliveryInput = z.object({
  size: z.enum(['small', 'large']),
  express: z.boolean(),
  note: z.string().max(40).optional(),
});
const deliveryTool: ToolSpec = {
  name: 'set_delivery',
  description: 'Sets how the order is delivered.',
  inputSchema: z.toJSONSchema(deliveryInput, { io: 'input' }) as Record<string, unknown>,
};

function settings(overrides: Partial<ModelSettings> = {}): ModelSettings {
  return { provider: 'local', model: 'tiny', modelPath: 'tiny.gguf', temperature: 0, maxTokens: 24, timeoutMs: 20_000, ...overrides };
}

function request(overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { tenantId: 'tenant_a', settings: settings(), system: 'You are a helpful shop assistant.', messages: [{ role: 'user', content: 'hello there' }], ...overrides };
}

/** A logger that keeps the events it was given. */
function recordingLogger(): Logger & { events: string[] } {
  const events: string[] = [];
  const record = (_fields: unknown, event?: string) => void events.push(String(event ?? _fields));
  const logger = { events, info: record, debug: record, warn: record, error: record, child: () => logger };
  return logger as unknown as Logger & { events: string[] };
}

describe('LlamaChatModel on a tiny GGUF model', () => {
  let dir: string;
  let logger: ReturnType<typeof recordingLogger>;
  let chat: LlamaChatModel;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-llama-'));
    writeTinyGguf(path.join(dir, 'tiny.gguf'), { seed: 7 });
    writeTinyGguf(path.join(dir, 'tiny-tools.gguf'), { seed: 7, startsWithToolCall: true });
    writeFileSync(path.join(dir, 'broken.gguf'), 'this is not a model');
    logger = recordingLogger();
    chat = new LlamaChatModel({ modelsDir: dir, defaultModelFile: 'default.gguf', sequences: 2, contextSize: 1024, threads: 1, logger });
  });
  afterAll(async () => {
    await chat.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a model file once for every tenant, even when they ask at the same time', async () => {
    const [first, second, info] = await Promise.all([
      chat.reply(request({ tenantId: 'tenant_a' })),
      chat.reply(request({ tenantId: 'tenant_b' })),
      chat.load(settings()),
    ]);
    expect(first.text.length).toBeGreaterThan(0);
    expect(second.text.length).toBeGreaterThan(0);
    expect(first.inputTokens).toBeGreaterThan(0);
    expect(first.outputTokens).toBeGreaterThan(0);
    expect(first.toolCalls).toEqual([]);
    // The chat template in the file makes node-llama-cpp speak Qwen's format, as with the real model.
    expect(info).toMatchObject({ chatWrapper: 'Qwen', sequences: 2, contextSize: 1024 });
    expect(logger.events.filter((event) => event === 'model.loaded')).toHaveLength(1);
  });

  it('reuses the cached prompt of the same tenant on its next turn', async () => {
    const system = 'You are the assistant of a bakery. Answer in one sentence.';
    await chat.reply(request({ tenantId: 'bakery', system }));
    const again = await chat.reply(request({ tenantId: 'bakery', system, messages: [{ role: 'user', content: 'hello again' }] }));
    const fresh = await chat.reply(request({ tenantId: 'florist', system: 'You are the assistant of a florist shop, be kind.' }));
    expect(again.inputTokens).toBeLessThan(fresh.inputTokens);
  });

  it('returns tool calls whose grammar-constrained arguments parse against the tool schema', async () => {
    const result = await chat.reply(
      request({ settings: settings({ modelPath: 'tiny-tools.gguf', maxTokens: 120 }), tools: [deliveryTool], messages: [{ role: 'user', content: 'deliver it' }] }),
    );
    expect(result.toolCalls.length).toBeGreaterThan(0);
    for (const call of result.toolCalls) {
      expect(call.name).toBe('set_delivery');
      expect(call.id).toMatch(/^call_/);
      // Optional properties the grammar wrote as null are gone: the tool's own schema accepts the input.
      expect(deliveryInput.safeParse(call.input).success, JSON.stringify(call.input)).toBe(true);
    }
  });

  it('continues a turn after tool results, and offers no tools when the loop says none', async () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'deliver it' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'set_delivery', input: { size: 'small', express: true } }] },
      { role: 'tool', results: [{ callId: 'call_1', name: 'set_delivery', output: { ok: true }, isError: false }] },
    ];
    const last = await chat.reply(request({ settings: settings({ modelPath: 'tiny-tools.gguf', maxTokens: 16 }), tools: [deliveryTool], toolChoice: 'none', messages }));
    expect(last.toolCalls).toEqual([]);
    expect(last.text.length).toBeGreaterThan(0);
  });

  it('queues turns beyond its sequences and answers every one', async () => {
    const single = new LlamaChatModel({ modelsDir: dir, defaultModelFile: 'tiny.gguf', sequences: 1, contextSize: 512, threads: 1 });
    try {
      const users = ['one', 'two', 'three', 'four'];
      const replies = await Promise.all(users.map((user) => single.reply(request({ tenantId: `tenant_${user}`, settings: settings({ modelPath: undefined }) }))));
      expect(replies.every((reply) => reply.text.length > 0)).toBe(true);
    } finally {
      await single.close();
    }
  });

  it('gives up at the deadline with MODEL_TIMEOUT', async () => {
    const failure = await chat
      .reply(request({ settings: settings({ maxTokens: 900 }), abortSignal: AbortSignal.timeout(30) }))
      .then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(SwitchboardError);
    expect((failure as SwitchboardError).code).toBe('MODEL_TIMEOUT');
    // The sequence went back to the pool: the next turn is answered.
    expect((await chat.reply(request())).text.length).toBeGreaterThan(0);
  });

  it('says clearly which model file is missing, instead of crashing', async () => {
    expect(chat.credentialsProblem(settings({ modelPath: undefined }))).toMatch(/^model file .*default\.gguf is missing: run `switchboard model pull`$/);
    expect(chat.credentialsProblem(settings({ modelPath: 'nope.gguf' }))).toMatch(/^model file .*nope\.gguf is missing: check ai\.model_path/);
    await expect(chat.reply(request({ settings: settings({ modelPath: 'nope.gguf' }) }))).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
  });

  it('reports a file llama.cpp cannot load as MODEL_LOAD_FAILED, and tries again on the next turn', async () => {
    const broken = settings({ modelPath: 'broken.gguf' });
    expect(chat.credentialsProblem(broken)).toBeNull();
    await expect(chat.reply(request({ settings: broken }))).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    writeTinyGguf(path.join(dir, 'broken.gguf'), { seed: 3 });
    expect((await chat.reply(request({ settings: broken }))).text.length).toBeGreaterThan(0);
  });
});
