import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeModel, type FakeModel } from '../../../test/helpers/fake-model.js';
import type { ChatRequest, ModelSettings, ToolSpec } from '../../ports/chat-model.js';
import { SwitchboardError } from '../../shared/errors.js';
import { AiSdkChatModel } from './ai-sdk-chat-model.js';

const findSlots: ToolSpec = {
  name: 'find_slots',
  description: 'Lists free appointment slots on a date.',
  inputSchema: { type: 'object', properties: { date: { type: 'string', description: 'YYYY-MM-DD' } }, required: ['date'], additionalProperties: false },
};

describe('AiSdkChatModel with an openai-compatible server and tools', () => {
  let model: FakeModel;
  let chat: AiSdkChatModel;
  let settings: ModelSettings;

  beforeAll(async () => {
    model = await startFakeModel();
    chat = new AiSdkChatModel({});
    settings = { provider: 'openai-compatible', model: 'local-model', baseUrl: model.url, temperature: 0, maxTokens: 64, timeoutMs: 5000 };
  });
  afterAll(async () => {
    await model.close();
  });
  beforeEach(() => {
    model.requests.length = 0;
    model.setReply(() => 'plain answer');
  });

  function request(tenantId: string, overrides: Partial<ChatRequest> = {}): ChatRequest {
    return { tenantId, settings, system: 'You book appointments.', messages: [{ role: 'user', content: 'any slot on monday?' }], ...overrides };
  }

  it('sends the tools in OpenAI function format with their JSON Schema, and tool_choice', async () => {
    await chat.reply(request('tenant-tools-format', { tools: [findSlots] }));

    expect(model.requests).toHaveLength(1);
    const body = model.requests[0]!.body;
    expect(body.tools).toEqual([
      { type: 'function', function: { name: 'find_slots', description: 'Lists free appointment slots on a date.', parameters: findSlots.inputSchema } },
    ]);
    expect(body['tool_choice']).toBe('auto');
  });

  it('sends tool_choice none when the request forbids tool calls', async () => {
    await chat.reply(request('tenant-tools-none', { tools: [findSlots], toolChoice: 'none' }));

    expect(model.requests[0]!.body['tool_choice']).toBe('none');
    expect(model.requests[0]!.body.tools).toHaveLength(1);
  });

  it('sends neither tools nor tool_choice when no tools are offered', async () => {
    await chat.reply(request('tenant-no-tools', { tools: [] }));

    expect(model.requests[0]!.body).not.toHaveProperty('tools');
    expect(model.requests[0]!.body).not.toHaveProperty('tool_choice');
  });

  it('returns the model\'s tool calls with their ids and parsed input objects', async () => {
    model.setReply(() => ({
      toolCalls: [
        { name: 'find_slots', arguments: { date: '2026-03-02' } },
        { name: 'find_slots', arguments: { date: '2026-03-03' } },
      ],
    }));

    const result = await chat.reply(request('tenant-tool-calls', { tools: [findSlots] }));

    expect(result.text).toBe('');
    expect(result.toolCalls).toEqual([
      { id: expect.stringMatching(/^call_\d+$/), name: 'find_slots', input: { date: '2026-03-02' } },
      { id: expect.stringMatching(/^call_\d+$/), name: 'find_slots', input: { date: '2026-03-03' } },
    ]);
    expect(result.toolCalls[0]!.id).not.toBe(result.toolCalls[1]!.id);
    expect(result.outputTokens).toBeGreaterThan(0);
  });

  it('sends a follow-up with the assistant\'s tool calls and the tool results in OpenAI wire format', async () => {
    await chat.reply(
      request('tenant-follow-up', {
        tools: [findSlots],
        messages: [
          { role: 'user', content: 'any slot on monday?' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_41', name: 'find_slots', input: { date: '2026-03-02' } }] },
          { role: 'tool', results: [{ callId: 'call_41', name: 'find_slots', output: { slots: ['09:00', '10:30'] }, isError: false }] },
        ],
      }),
    );

    const messages = model.requests[0]!.body.messages;
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(messages[2]).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: 'call_41', type: 'function', function: { name: 'find_slots' } }],
    });
    expect(JSON.parse(messages[2]!.tool_calls![0]!.function.arguments)).toEqual({ date: '2026-03-02' });
    expect(messages[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_41' });
    expect(JSON.parse(messages[3]!.content as string)).toEqual({ slots: ['09:00', '10:30'] });
  });

  it('sends an error result as its text, not as JSON', async () => {
    await chat.reply(
      request('tenant-error-result', {
        tools: [findSlots],
        messages: [
          { role: 'user', content: 'book 9:00' },
          { role: 'assistant', content: 'Let me check.', toolCalls: [{ id: 'call_42', name: 'find_slots', input: {} }] },
          { role: 'tool', results: [{ callId: 'call_42', name: 'find_slots', output: 'Invalid input for find_slots: date: expected string', isError: true }] },
        ],
      }),
    );

    const messages = model.requests[0]!.body.messages;
    expect(messages[2]).toMatchObject({ role: 'assistant', content: 'Let me check.' });
    expect(messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_42', content: 'Invalid input for find_slots: date: expected string' });
  });

  it('fails with MODEL_REPLY_EMPTY when the reply has neither text nor tool calls, without retrying', async () => {
    model.setReply(() => '   ');

    const outcome = chat.reply(request('tenant-empty-reply', { tools: [findSlots] }));

    await expect(outcome).rejects.toBeInstanceOf(SwitchboardError);
    await expect(outcome).rejects.toMatchObject({ code: 'MODEL_REPLY_EMPTY', message: expect.stringContaining('tenant-empty-reply') });
    expect(model.requests).toHaveLength(1);
  });
});
