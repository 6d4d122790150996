import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

describe('operations endpoints', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel();
    server = await startSwitchboard({
      graphUrl: graph.url,
      tenants: [tenantFile({ id: 'ops_tenant', phoneNumberId: '170000000000001', modelUrl: model.url })],
    });
  });
  afterAll(async () => {
    await graph.close();
    await model.close();
  });

  it('reports liveness, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', tenants: 1 });

    await server.post(textMessage({ phoneNumberId: '170000000000001', from: '15550000001', text: 'hello' }));
    await server.post(textMessage({ phoneNumberId: '150000000000009', from: '15550000002', text: 'nobody home' }));
    await graph.nextSend();
    await server.distributed();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_inbound_messages_total\{tenant="ops_tenant",outcome="received"\} 1/);
    expect(metrics).toMatch(/switchboard_unknown_phone_number_total 1/);
    expect(metrics).toMatch(/switchboard_turns_total\{tenant="ops_tenant",outcome="replied"\} 1/);
    expect(metrics).toMatch(/switchboard_webhook_journal_entries 0/);
    expect(metrics).toMatch(/switchboard_webhook_journal_oldest_seconds 0/);
    expect(metrics).not.toContain('15550000001');
  });

  it('closes its port on stop', async () => {
    await server.stop();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
