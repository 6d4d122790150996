import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startSwitchboard, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

const shippedTenants = fileURLToPath(new URL('../../tenants', import.meta.url));

describe('the shipped tenants answer end to end', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `reply to: ${lastUserText(request)}` });
    server = await startSwitchboard({
      graphUrl: graph.url,
      tenantsDir: shippedTenants,
      env: {
        AI_PROVIDER: 'openai-compatible',
        AI_BASE_URL: model.url,
        AI_MODEL: 'fake-model',
        REALESTATE_WHATSAPP_TOKEN: 'token-realestate',
        DENTAL_WHATSAPP_TOKEN: 'token-dental',
        FOOD_WHATSAPP_TOKEN: 'token-food',
      },
    });
  });
  afterAll(async () => {
    await server.stop();
    await graph.close();
    await model.close();
  });

  it('answers a text to each of the three businesses from the right number to the right user', async () => {
    const cases = [
      { phoneNumberId: '106540352242922', token: 'token-realestate', from: '971500000001', text: 'Looking for a villa' },
      { phoneNumberId: '107655329033811', token: 'token-dental', from: '5511900000002', text: 'Quero marcar uma limpeza' },
      { phoneNumberId: '108800451277012', token: 'token-food', from: '13125550003', text: 'Do you have oat milk?' },
    ];
    for (const item of cases) {
      const response = await server.post(textMessage({ phoneNumberId: item.phoneNumberId, from: item.from, text: item.text }));
      expect(response.status).toBe(200);
    }
    const sends = await graph.waitForSends(3, 10_000);
    for (const item of cases) {
      const send = sends.find((candidate) => candidate.body['to'] === `+${item.from}`);
      expect(send, `reply to ${item.from}`).toBeDefined();
      expect(send!.phoneNumberId).toBe(item.phoneNumberId);
      expect(send!.authorization).toBe(`Bearer ${item.token}`);
      expect(send!.body).toMatchObject({ messaging_product: 'whatsapp', type: 'text', text: { body: `reply to: ${item.text}` } });
    }
    // The Portuguese tenant's prompt reached its model, in Portuguese.
    const dentalRequest = model.requests.find((request) => lastUserText(request) === 'Quero marcar uma limpeza');
    expect(JSON.stringify(dentalRequest!.body)).toContain('Clínica Belvedere');
  });
});
