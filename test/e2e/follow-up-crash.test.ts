// End to end: a follow-up is a durable job with an exactly-once record, so a process killed while it
// is being sent, or down when it comes due, still delivers it once after a restart. The child process
// runs on the real clock: the test waits for conditions, never for an assumed duration.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph, type RecordedAttempt } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { ADMIN_TOKEN, APP_SECRET, eventually, settle, tenantFile } from '../helpers/switchboard.js';
import { postWebhook, textMessage } from '../helpers/webhooks.js';

const DELAY_MS = 2_000;
const FOLLOW_UP_TEXT = 'Still there? We are happy to help.';

describe('a follow-up across a crash', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: ServerProcess | undefined;
  let dir: string;

  afterEach(async () => {
    await server?.kill();
    server = undefined;
    await graph?.close();
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A tenant with an idle follow-up `DELAY_MS` after the user's last message, on a database that outlives the process. */
  function serverEnv(tenantId: string, phoneNumberId: string): Record<string, string> {
    dir = mkdtempSync(path.join(tmpdir(), 'switchboard-follow-up-crash-'));
    mkdirSync(path.join(dir, 'tenants'));
    const tenant = tenantFile({
      id: tenantId,
      phoneNumberId,
      modelUrl: model.url,
      debounceMs: 0,
      extra: { follow_ups: [{ id: 'nudge', trigger: 'conversation_idle', delay: `${DELAY_MS / 1000}s`, text: FOLLOW_UP_TEXT }] },
    });
    writeFileSync(path.join(dir, 'tenants', `${tenantId}.yaml`), stringify(tenant));
    return {
      TENANTS_DIR: path.join(dir, 'tenants'),
      DATABASE_URL: `sqlite:${path.join(dir, 'switchboard.db')}`,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_GRAPH_URL: graph.url,
      ADMIN_TOKEN,
    };
  }

  const isFollowUp = (attempt: RecordedAttempt) => attempt.kind === 'send' && attempt.body.text?.body === FOLLOW_UP_TEXT;
  const textsTo = (user: string) => graph.sends.filter((send) => send.to === `+${user}`).map((send) => send.text);

  async function followUps(tenantId: string) {
    const response = await fetch(`${server!.url}/admin/tenants/${tenantId}/follow-ups`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      scheduled: Array<{ key: string; ruleId: string }>;
      history: Array<{ ruleId: string; status: string; via: string | null }>;
    };
  }

  it('sends a follow-up killed in flight once after a restart', { timeout: 60_000 }, async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `answer: ${lastUserText(request)}` });
    const env = serverEnv('fu_crash_a', '191000000000001');
    const user = '447700900101';

    // 1. The user writes and gets the reply; the idle follow-up is now scheduled.
    server = await startServerProcess(env);
    await postWebhook(server.url, textMessage({ phoneNumberId: '191000000000001', from: user, text: 'hello' }), { appSecret: APP_SECRET });
    expect((await graph.nextSend(15_000)).text).toBe('answer: hello');

    // 2. From now on the Graph API drops every send, after holding it open: the follow-up is committed to
    //    the outbox, and its send is still waiting for an answer when the process dies.
    graph.failNext(1000, { drop: true });
    graph.setLatency(30_000);
    await eventually(() => graph.attempts.some(isFollowUp), 'a send attempt carrying the follow-up', 15_000);

    // 3. SIGKILL with the send in flight.
    await server.kill('SIGKILL');
    expect(graph.sends.some((send) => send.text === FOLLOW_UP_TEXT)).toBe(false);

    // 4. The Graph API is back: reset() forgets the recorded requests and the queued failures, not the latency.
    graph.reset();
    graph.setLatency(0);
    expect(graph.attempts).toHaveLength(0);

    // 5. A new process on the same database delivers the stored follow-up, once, and not the reply again.
    server = await startServerProcess(env);
    await eventually(() => graph.sends.some((send) => send.text === FOLLOW_UP_TEXT), 'the follow-up accepted after the restart', 15_000);
    await settle(800);
    expect(textsTo(user)).toEqual([FOLLOW_UP_TEXT]);
    expect(graph.attempts.filter((attempt) => attempt.status !== 200)).toEqual([]);
    const { scheduled, history } = await followUps('fu_crash_a');
    expect(scheduled).toEqual([]);
    expect(history.map((entry) => [entry.ruleId, entry.status, entry.via])).toEqual([['nudge', 'sent', 'text']]);
  });

  it('sends a follow-up that came due while the server was down once after a restart', { timeout: 60_000 }, async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: (request) => `answer: ${lastUserText(request)}` });
    const env = serverEnv('fu_crash_b', '191000000000002');
    const user = '447700900102';

    // 1. The user writes and gets the reply; the server is killed as soon as it has recorded the reply as
    //    sent (a kill before that write is the documented window in which a reply can go out twice).
    server = await startServerProcess(env);
    const running = server;
    await postWebhook(server.url, textMessage({ phoneNumberId: '191000000000002', from: user, text: 'hello' }), { appSecret: APP_SECRET });
    const reply = await graph.nextSend(15_000);
    await eventually(() => running.logs.some((entry) => entry['msg'] === 'message.sent' && entry['waMessageId'] === reply.waMessageId), 'the reply recorded as sent');
    await server.kill('SIGKILL');
    expect(reply.text).toBe('answer: hello');
    expect(textsTo(user)).toEqual(['answer: hello']);

    // 2. The follow-up is due DELAY_MS after the user's message, which arrived before the reply.
    await eventually(() => Date.now() > reply.at + DELAY_MS, 'the follow-up to be due', DELAY_MS + 10_000);
    expect(textsTo(user)).toEqual(['answer: hello']);

    // 3. The restarted process sends the overdue follow-up, once, and records it as sent once.
    server = await startServerProcess(env);
    await eventually(() => graph.sends.some((send) => send.text === FOLLOW_UP_TEXT), 'the overdue follow-up', 15_000);
    await settle(800);
    expect(textsTo(user)).toEqual(['answer: hello', FOLLOW_UP_TEXT]);
    const { scheduled, history } = await followUps('fu_crash_b');
    expect(scheduled).toEqual([]);
    expect(history.filter((entry) => entry.status === 'sent').map((entry) => entry.ruleId)).toEqual(['nudge']);
    expect(history).toHaveLength(1);
  });
});
