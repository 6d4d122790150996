import Database from 'better-sqlite3';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { APP_SECRET, eventually, settle, tenantFile } from '../helpers/switchboard.js';
import { postWebhook, textMessage } from '../helpers/webhooks.js';

describe('a worker killed mid-turn', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: ServerProcess | undefined;
  let dir: string;

  afterEach(async () => {
    await server?.kill();
    await graph?.close();
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A tenants folder and database that survive the server process, for one tenant on this number. */
  function serverEnv(phoneNumberId: string): Record<string, string> {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-crash-'));
    mkdirSync(path.join(dir, 'tenants'));
    writeFileSync(path.join(dir, 'tenants', 'crash.yaml'), stringify(tenantFile({ id: 'crash_test', phoneNumberId, modelUrl: model.url })));
    return {
      TENANTS_DIR: path.join(dir, 'tenants'),
      DATABASE_URL: `sqlite:${path.join(dir, 'switchboard.db')}`,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_GRAPH_URL: graph.url,
    };
  }

  it('answers the message after a restart, once', async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `answer: ${lastUserText(request)}` });
    const env = serverEnv('190000000000001');

    // 1. The model hangs, so the turn is in flight when the process dies.
    model.hang(true);
    server = await startServerProcess(env);
    const response = await postWebhook(server.url, textMessage({ phoneNumberId: '190000000000001', from: '447700900001', text: 'are you there?' }), { appSecret: APP_SECRET });
    expect(response.status).toBe(200);
    await eventually(() => model.requests.length === 1, 'the first model request');

    // 2. SIGKILL: no shutdown hook runs, the lease stays in the database.
    await server.kill('SIGKILL');
    expect(graph.sends).toHaveLength(0);
    model.hang(false);

    // 3. A new process on the same database recovers the turn and answers it.
    server = await startServerProcess(env);
    const reply = await graph.nextSend(15_000);
    expect(reply.body).toMatchObject({ to: '+447700900001', text: { body: 'answer: are you there?' } });
    await settle(800);
    expect(graph.sends).toHaveLength(1);
    expect(server.logs.some((entry) => entry['msg'] === 'jobs.leases_recovered')).toBe(true);
  });

  it('sends a reply that was committed but not yet sent, once', async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: () => 'committed reply' });
    const env = serverEnv('190000000000002');

    // 1. The Graph API is down: the reply waits in the outbox.
    graph.failNext(1000, { drop: true });
    server = await startServerProcess(env);
    await postWebhook(server.url, textMessage({ phoneNumberId: '190000000000002', from: '447700900002', text: 'hello' }), { appSecret: APP_SECRET });
    await eventually(() => graph.attempts.some((attempt) => attempt.kind === 'send'), 'a failed send attempt');
    await server.kill('SIGKILL');

    // 2. The Graph API is back; the restarted process delivers the stored reply exactly once.
    const pendingFailures = graph.attempts.filter((attempt) => attempt.kind === 'send').length;
    graph.reset();
    server = await startServerProcess(env);
    const reply = await graph.nextSend(15_000);
    expect(reply.body).toMatchObject({ to: '+447700900002', text: { body: 'committed reply' } });
    await settle(800);
    expect(graph.sends).toHaveLength(1);
    expect(model.requests).toHaveLength(1); // the model is not asked again for a committed turn
    expect(pendingFailures).toBeGreaterThanOrEqual(1);
  });

  it('answers a webhook acknowledged but not yet distributed into its mailbox, once', async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `answer: ${lastUserText(request)}` });
    const env = serverEnv('190000000000003');
    const body = textMessage({ phoneNumberId: '190000000000003', from: '447700900003', text: 'journaled only' });

    // 1. An api-only process journals the webhook before its 200 and distributes nothing; then it dies.
    server = await startServerProcess(env, 20_000, ['--role', 'api']);
    expect((await postWebhook(server.url, body, { appSecret: APP_SECRET })).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_webhook_journal_entries 1/);
    expect(metrics).toMatch(/switchboard_webhook_journal_oldest_seconds \d/);
    await server.kill('SIGKILL');
    const database = new Database(path.join(dir, 'switchboard.db'), { readonly: true });
    try {
      expect(database.prepare('select count(*) as n from webhook_journal').get()).toEqual({ n: 1 });
      expect(database.prepare('select count(*) as n from inbound_messages').get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }

    // 2. The next process distributes it at start and answers it; Meta's redelivery is not answered again.
    server = await startServerProcess(env);
    const reply = await graph.nextSend(15_000);
    expect(reply.body).toMatchObject({ to: '+447700900003', text: { body: 'answer: journaled only' } });
    expect((await postWebhook(server.url, body, { appSecret: APP_SECRET })).status).toBe(200);
    await settle(800);
    expect(graph.sends).toHaveLength(1);
    expect(model.requests).toHaveLength(1);
  });
});
