import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

describe('the openai provider', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `openai says: ${lastUserText(request)}` });
    const tenant = tenantFile({ id: 'openai_tenant', phoneNumberId: '171000000000001', modelUrl: model.url });
    tenant['ai'] = { ...(tenant['ai'] as object), provider: 'openai', model: 'gpt-4o-mini', api_key: 'sk-test-key', temperature: 0.7, max_tokens: 64 };
    server = await startSwitchboard({ graphUrl: graph.url, tenants: [tenant] });
  });
  afterAll(async () => {
    await server.stop();
    await graph.close();
    await model.close();
  });

  it('sends the tenant settings, system prompt and history through the chat completions API', async () => {
    await server.post(textMessage({ phoneNumberId: '171000000000001', from: '15550001001', text: 'first question' }));
    expect((await graph.nextSend()).body).toMatchObject({ text: { body: 'openai says: first question' } });
    await server.post(textMessage({ phoneNumberId: '171000000000001', from: '15550001001', text: 'second question' }));
    expect((await graph.nextSend()).body).toMatchObject({ text: { body: 'openai says: second question' } });

    const request = model.requests[1]!;
    expect(request.authorization).toBe('Bearer sk-test-key');
    expect(request.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.7 });
    const messages = request.body.messages as Array<{ role: string; content: unknown }>;
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(JSON.stringify(messages[0])).toContain('You are the assistant of openai_tenant');
    expect(JSON.stringify(messages.slice(1))).toContain('openai says: first question');
  });
});
