import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatModel, ChatRequest, ChatResult, ModelSettings, ToolCall } from '../ports/chat-model.js';
import type { JobRequest } from '../ports/job-queue.js';
import type { OutboxDraft } from '../ports/outbox.js';
import { SwitchboardError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { runToolLoop } from './run-tool-loop.js';
import { toolSpec, ToolRefusal, TurnEffects, type Tool, type ToolContext } from './tool.js';

const settings: ModelSettings = { provider: 'openai-compatible', model: 'test-model', baseUrl: 'http://127.0.0.1:1/v1', temperature: 0, maxTokens: 64, timeoutMs: 5000 };

/** A model that answers from a queue and records each request as it was when the call was made. */
class ScriptedChatModel implements ChatModel {
  readonly requests: ChatRequest[] = [];
  private readonly queue: ChatResult[];

  constructor(results: Array<Partial<ChatResult>>) {
    this.queue = results.map((result) => ({ text: '', toolCalls: [], inputTokens: 0, outputTokens: 0, ...result }));
  }

  async reply(request: ChatRequest): Promise<ChatResult> {
    // The loop keeps appending to one messages array, so copy it to see what this call carried.
    this.requests.push({ ...request, messages: [...request.messages] });
    const next = this.queue.shift();
    if (!next) throw new Error(`scripted model: no result queued for call ${this.requests.length}`);
    return next;
  }

  credentialsProblem(): string | null {
    return null;
  }
}

/** A context whose log lines are captured as parsed JSON objects. */
function testContext(tenantId = `tenant-${Math.random().toString(36).slice(2, 8)}`): { context: ToolContext; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  const context: ToolContext = { tenantId, userId: 'user-1', turnKey: 'turn-key-1', turnId: 'turn-1', now: 1_700_000_000_000, effects: new TurnEffects(), log };
  return { context, logs };
}

function request(tenantId: string): ChatRequest {
  return { tenantId, settings, system: 'You help customers.', messages: [{ role: 'user', content: 'hello' }] };
}

function call(id: string, name: string, input: unknown): ToolCall {
  return { id, name, input };
}

const findSlots: Tool<{ date: string; limit: number }> = {
  name: 'find_slots',
  description: 'Lists free appointment slots on a date.',
  input: z.object({ date: z.string().describe('YYYY-MM-DD'), limit: z.number().int().default(3) }),
  run: async (input) => ({ slots: [`${input.date}T09:00`], limit: input.limit }),
};

describe('runToolLoop', () => {
  it('returns a plain text answer in one step and offers no tools when there are none', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([{ text: 'Hi there', inputTokens: 10, outputTokens: 2 }]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [], context, maxSteps: 5 });

    expect(result).toEqual({ text: 'Hi there', inputTokens: 10, outputTokens: 2, steps: 1, calls: [] });
    expect(chat.requests).toHaveLength(1);
    expect(chat.requests[0]).not.toHaveProperty('tools');
    expect(chat.requests[0]).not.toHaveProperty('toolChoice');
    expect(chat.requests[0]).toMatchObject({ tenantId: context.tenantId, system: 'You help customers.', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('offers the tools with toolChoice auto on a step that is not the last', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([{ text: 'No need for tools' }]);

    await runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 3 });

    expect(chat.requests[0]!.toolChoice).toBe('auto');
    expect(chat.requests[0]!.tools).toEqual([toolSpec(findSlots)]);
  });

  it('runs a called tool, feeds its result back as a tool message with the call id, then returns the text', async () => {
    const { context, logs } = testContext();
    const received: unknown[] = [];
    const tool: Tool<{ date: string; limit: number }> = { ...findSlots, run: async (input, toolContext) => (received.push(input, toolContext), findSlots.run(input, toolContext)) };
    const chat = new ScriptedChatModel([
      { text: '', toolCalls: [call('call-7', 'find_slots', { date: '2026-03-02' })] },
      { text: 'You can come at 9:00.' },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [tool], context, maxSteps: 5 });

    expect(result).toMatchObject({ text: 'You can come at 9:00.', steps: 2, calls: [{ name: 'find_slots', ok: true }] });
    // The tool gets the parsed input (defaults filled in) and the turn's context.
    expect(received).toEqual([{ date: '2026-03-02', limit: 3 }, context]);
    expect(chat.requests[1]!.messages).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: '', toolCalls: [call('call-7', 'find_slots', { date: '2026-03-02' })] },
      { role: 'tool', results: [{ callId: 'call-7', name: 'find_slots', output: { slots: ['2026-03-02T09:00'], limit: 3 }, isError: false }] },
    ]);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'tool.called', tool: 'find_slots', tenantId: context.tenantId, turnId: 'turn-1' }));
  });

  it('does not change the caller\'s messages array', async () => {
    const { context } = testContext();
    const original = request(context.tenantId);
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'find_slots', { date: '2026-03-02' })] }, { text: 'done' }]);

    await runToolLoop({ chat, request: original, tools: [findSlots], context, maxSteps: 5 });

    expect(original.messages).toEqual([{ role: 'user', content: 'hello' }]);
  });

  it('answers { ok: true } for a tool that returns nothing', async () => {
    const { context } = testContext();
    const quiet: Tool<Record<string, never>> = { name: 'cancel_appointment', description: 'Cancels.', input: z.object({}), run: async () => undefined };
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'cancel_appointment', {})] }, { text: 'Cancelled.' }]);

    await runToolLoop({ chat, request: request(context.tenantId), tools: [quiet], context, maxSteps: 5 });

    expect(chat.requests[1]!.messages[2]).toEqual({ role: 'tool', results: [{ callId: 'c1', name: 'cancel_appointment', output: { ok: true }, isError: false }] });
  });

  it('runs two tool calls of one step in order, one after the other', async () => {
    const { context } = testContext();
    const events: string[] = [];
    const slow = (name: string): Tool<Record<string, never>> => ({
      name,
      description: `The ${name} tool.`,
      input: z.object({}),
      run: async () => {
        events.push(`start ${name}`);
        await new Promise((resolve) => setImmediate(resolve));
        events.push(`end ${name}`);
        return { from: name };
      },
    });
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c-a', 'first', {}), call('c-b', 'second', {})] },
      { text: 'Both done.' },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [slow('second'), slow('first')], context, maxSteps: 5 });

    expect(events).toEqual(['start first', 'end first', 'start second', 'end second']);
    expect(result.calls).toEqual([{ name: 'first', ok: true }, { name: 'second', ok: true }]);
    expect(chat.requests[1]!.messages[2]).toEqual({
      role: 'tool',
      results: [
        { callId: 'c-a', name: 'first', output: { from: 'first' }, isError: false },
        { callId: 'c-b', name: 'second', output: { from: 'second' }, isError: false },
      ],
    });
  });

  it('answers invalid input with an error result naming the field, without running the tool, and goes on', async () => {
    const { context } = testContext();
    let runs = 0;
    const tool: Tool<{ date: string; limit: number }> = { ...findSlots, run: async (input, toolContext) => (runs++, findSlots.run(input, toolContext)) };
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c1', 'find_slots', { date: 20260302 })] },
      { toolCalls: [call('c2', 'find_slots', { date: '2026-03-02' })] },
      { text: 'Found one.' },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [tool], context, maxSteps: 5 });

    const [invalid] = (chat.requests[1]!.messages[2] as { results: Array<{ callId: string; output: unknown; isError: boolean }> }).results;
    expect(invalid).toMatchObject({ callId: 'c1', isError: true });
    expect(invalid!.output).toEqual(expect.stringContaining('Invalid input for find_slots: date:'));
    expect(runs).toBe(1);
    expect(result).toMatchObject({ text: 'Found one.', steps: 3, calls: [{ name: 'find_slots', ok: false }, { name: 'find_slots', ok: true }] });
  });

  it('answers a call to an unknown tool with an error result', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'delete_everything', {})] }, { text: 'Sorry.' }]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 5 });

    expect(chat.requests[1]!.messages[2]).toEqual({
      role: 'tool',
      results: [{ callId: 'c1', name: 'delete_everything', output: expect.stringContaining('There is no tool named "delete_everything"'), isError: true }],
    });
    expect(result.calls).toEqual([{ name: 'delete_everything', ok: false }]);
  });

  it('passes a ToolRefusal\'s message to the model as the error result and logs tool.refused', async () => {
    const { context, logs } = testContext();
    const booking: Tool<{ slot: string }> = {
      name: 'book_appointment',
      description: 'Books a slot.',
      input: z.object({ slot: z.string() }),
      run: async () => {
        throw new ToolRefusal('That slot was just taken; offer another one.', { slot: '09:00' });
      },
    };
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'book_appointment', { slot: '09:00' })] }, { text: 'That one is gone.' }]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [booking], context, maxSteps: 5 });

    expect(chat.requests[1]!.messages[2]).toEqual({
      role: 'tool',
      results: [{ callId: 'c1', name: 'book_appointment', output: 'That slot was just taken; offer another one.', isError: true }],
    });
    expect(result.calls).toEqual([{ name: 'book_appointment', ok: false }]);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'tool.refused', tool: 'book_appointment', refusal: 'That slot was just taken; offer another one.' }));
    expect(logs.some((line) => line['msg'] === 'tool.failed')).toBe(false);
  });

  it('turns a tool\'s crash into an error result naming the tool and code, without the stack, and logs tool.failed', async () => {
    const { context, logs } = testContext();
    const broken: Tool<Record<string, never>> = {
      name: 'order_status',
      description: 'Looks up an order.',
      input: z.object({}),
      run: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
      },
    };
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'order_status', {})] }, { text: 'I cannot check right now.' }]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [broken], context, maxSteps: 5 });

    const [failed] = (chat.requests[1]!.messages[2] as { results: Array<{ callId: string; output: unknown; isError: boolean }> }).results;
    expect(failed).toMatchObject({ callId: 'c1', isError: true });
    const output = failed!.output as string;
    expect(output).toContain('order_status failed (UNEXPECTED)');
    expect(output).not.toContain('ECONNREFUSED');
    expect(output).not.toMatch(/\n\s+at /);
    expect(result).toMatchObject({ text: 'I cannot check right now.', calls: [{ name: 'order_status', ok: false }] });
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'tool.failed', tenantId: context.tenantId, turnId: 'turn-1', tool: 'order_status', code: 'UNEXPECTED', error: 'connect ECONNREFUSED 10.0.0.5:5432' }),
    );
  });

  it('names a SwitchboardError\'s code in the error result of a crashed tool', async () => {
    const { context } = testContext();
    const broken: Tool<Record<string, never>> = {
      name: 'check_inventory',
      description: 'Checks stock.',
      input: z.object({}),
      run: async () => {
        throw new SwitchboardError({ code: 'INTEGRATION_CALL_FAILED', message: 'erp answered 502' });
      },
    };
    const chat = new ScriptedChatModel([{ toolCalls: [call('c1', 'check_inventory', {})] }, { text: 'Later.' }]);

    await runToolLoop({ chat, request: request(context.tenantId), tools: [broken], context, maxSteps: 5 });

    const [failed] = (chat.requests[1]!.messages[2] as { results: Array<{ output: unknown }> }).results;
    expect(failed!.output).toEqual(expect.stringContaining('check_inventory failed (INTEGRATION_CALL_FAILED)'));
  });

  it('sends the last allowed step with toolChoice none', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c1', 'find_slots', { date: '2026-03-02' })] },
      { toolCalls: [call('c2', 'find_slots', { date: '2026-03-03' })] },
      { text: 'Here are the slots.' },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 3 });

    expect(chat.requests.map((sent) => sent.toolChoice)).toEqual(['auto', 'auto', 'none']);
    expect(chat.requests[2]!.tools).toEqual([toolSpec(findSlots)]);
    expect(result).toMatchObject({ text: 'Here are the slots.', steps: 3 });
  });

  it('sends the only step with toolChoice none when maxSteps is 1', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([{ text: 'Hello.' }]);

    await runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 1 });

    expect(chat.requests[0]!.toolChoice).toBe('none');
  });

  it('returns the text of the last step and runs none of its tool calls when the model ignores toolChoice none', async () => {
    const { context } = testContext();
    let runs = 0;
    const tool: Tool<{ date: string; limit: number }> = { ...findSlots, run: async (input, toolContext) => (runs++, findSlots.run(input, toolContext)) };
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c1', 'find_slots', { date: '2026-03-02' })] },
      { text: 'Let me look again.', toolCalls: [call('c2', 'find_slots', { date: '2026-03-03' })] },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [tool], context, maxSteps: 2 });

    expect(result).toMatchObject({ text: 'Let me look again.', steps: 2, calls: [{ name: 'find_slots', ok: true }] });
    expect(runs).toBe(1);
  });

  it('fails with MODEL_TOOL_LOOP_EXHAUSTED when the model keeps calling tools past maxSteps without text', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c1', 'find_slots', { date: '2026-03-02' })] },
      { toolCalls: [call('c2', 'find_slots', { date: '2026-03-02' })] },
      { toolCalls: [call('c3', 'find_slots', { date: '2026-03-02' })] },
    ]);

    const outcome = runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 2 });

    await expect(outcome).rejects.toBeInstanceOf(SwitchboardError);
    await expect(outcome).rejects.toMatchObject({ code: 'MODEL_TOOL_LOOP_EXHAUSTED', message: expect.stringContaining(context.tenantId) });
    expect(chat.requests).toHaveLength(2);
  });

  it('sums input and output tokens across steps', async () => {
    const { context } = testContext();
    const chat = new ScriptedChatModel([
      { toolCalls: [call('c1', 'find_slots', { date: '2026-03-02' })], inputTokens: 100, outputTokens: 7 },
      { toolCalls: [call('c2', 'find_slots', { date: '2026-03-03' })], inputTokens: 150, outputTokens: 9 },
      { text: 'Done.', inputTokens: 210, outputTokens: 4 },
    ]);

    const result = await runToolLoop({ chat, request: request(context.tenantId), tools: [findSlots], context, maxSteps: 5 });

    expect(result).toMatchObject({ inputTokens: 460, outputTokens: 20, steps: 3 });
  });
});

describe('toolSpec', () => {
  it('describes the tool input as a JSON Schema object with properties and no $schema', () => {
    const spec = toolSpec(findSlots);

    expect(spec.name).toBe('find_slots');
    expect(spec.description).toBe('Lists free appointment slots on a date.');
    expect(spec.inputSchema).not.toHaveProperty('$schema');
    expect(spec.inputSchema).toMatchObject({
      type: 'object',
      properties: { date: { type: 'string', description: 'YYYY-MM-DD' }, limit: { type: 'integer', default: 3 } },
      required: ['date'],
    });
  });

  it('derives the spec of a tool once', () => {
    expect(toolSpec(findSlots)).toBe(toolSpec(findSlots));
  });
});

describe('TurnEffects', () => {
  function draft(idempotencyKey: string, text: string): OutboxDraft {
    return {
      tenantId: 'tenant-effects',
      recipientId: 'agent',
      address: { kind: 'phone', value: '15550001111' },
      kind: 'agent_notification',
      idempotencyKey,
      body: { type: 'text', text: { body: text } },
    };
  }

  function job(key: string, runAt: number): JobRequest {
    return { name: 'integration.call', tenantId: 'tenant-effects', key, payload: { runAt }, runAt, onExisting: 'replace' };
  }

  it('keeps the first outbox draft of an idempotency key and ignores later ones', () => {
    const effects = new TurnEffects();

    effects.send(draft('turn-1:review', 'first'));
    effects.send(draft('turn-1:other', 'other'));
    effects.send(draft('turn-1:review', 'second'));

    expect(effects.outbox.map((sent) => [sent.idempotencyKey, (sent.body['text'] as { body: string }).body])).toEqual([
      ['turn-1:review', 'first'],
      ['turn-1:other', 'other'],
    ]);
  });

  it('replaces a scheduled job of the same key in place', () => {
    const effects = new TurnEffects();

    effects.schedule(job('crm:lead-1', 1));
    effects.schedule(job('crm:lead-2', 2));
    effects.schedule(job('crm:lead-1', 3));

    expect(effects.jobs.map((scheduled) => [scheduled.key, scheduled.runAt])).toEqual([
      ['crm:lead-1', 3],
      ['crm:lead-2', 2],
    ]);
  });
});
