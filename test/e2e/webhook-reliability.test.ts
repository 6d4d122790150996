// The webhook promises end to end: Meta's at-least-once delivery answered exactly once, bad requests refused
// without side effects, every documented payload shape handled, and a sender that survives Graph failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph, type RecordedSend } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type FakeModel, type RecordedModelRequest } from '../helpers/fake-model.js';
import {
  ADMIN_TOKEN,
  APP_SECRET,
  ManualClock,
  VERIFY_TOKEN,
  eventually,
  settle,
  startSwitchboard,
  tenantFile,
  type RunningSwitchboard,
} from '../helpers/switchboard.js';
import { envelope, fixture, metaJson, signBody, statusUpdate, testWamid, textMessage } from '../helpers/webhooks.js';

// Tenants of the shared server: one per behaviour, so no test sees another's rows, sends or model calls.
const TENANTS = {
  redelivery: { id: 'wr-redelivery', phoneNumberId: '301000000000001' },
  signature: { id: 'wr-signature', phoneNumberId: '301000000000002' },
  unicode: { id: 'wr-unicode', phoneNumberId: '301000000000003' },
  entryA: { id: 'wr-entry-a', phoneNumberId: '301000000000004' },
  entryB: { id: 'wr-entry-b', phoneNumberId: '301000000000005' },
  statuses: { id: 'wr-statuses', phoneNumberId: '301000000000006' },
  bsuid: { id: 'wr-bsuid', phoneNumberId: '301000000000007' },
  rejects: { id: 'wr-rejects', phoneNumberId: '301000000000008' },
} as const;

/** A phone number id that no tenant of any server in this file owns. */
const UNKNOWN_PHONE_NUMBER_ID = '309999999999999';

let graph: FakeGraph;
let model: FakeModel;
let server: RunningSwitchboard;

beforeAll(async () => {
  graph = await startFakeGraph();
  model = await startFakeModel();
  server = await startSwitchboard({
    graphUrl: graph.url,
    tenants: Object.values(TENANTS).map((tenant) => tenantFile({ ...tenant, modelUrl: model.url, debounceMs: 0 })),
  });
});

afterAll(async () => {
  await server?.stop();
  await graph?.close();
  await model?.close();
});

/** `eventually` for checks that return the thing they wait for, or nothing yet. */
async function found<T>(check: () => T | null | undefined | Promise<T | null | undefined>, what: string, timeoutMs?: number): Promise<T> {
  return (await eventually(check, what, timeoutMs))!;
}

function database(running: RunningSwitchboard = server) {
  return running.app.database.db;
}

function sendsFrom(phoneNumberId: string, fake: FakeGraph = graph): RecordedSend[] {
  return fake.sends.filter((send) => send.phoneNumberId === phoneNumberId);
}

function sendsTo(phoneNumberId: string, user: string, fake: FakeGraph = graph): RecordedSend[] {
  return sendsFrom(phoneNumberId, fake).filter((send) => send.body.to === `+${user}`);
}

/** Model requests made for a tenant: its system prompt (from tenantFile) names it. */
function modelRequestsOf(tenantId: string): RecordedModelRequest[] {
  return model.requests.filter((request) => JSON.stringify(request.body.messages).includes(`You are the assistant of ${tenantId}.`));
}

async function inboundRows(tenantId: string, running: RunningSwitchboard = server) {
  return database(running).selectFrom('inbound_messages').selectAll().where('tenant_id', '=', tenantId).execute();
}

async function outboxRows(tenantId: string, recipientId: string, running: RunningSwitchboard = server) {
  return database(running)
    .selectFrom('outbox')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('recipient_id', '=', recipientId)
    .orderBy('id')
    .execute();
}

/** The only outbox row of a conversation once the reply's Graph message id is recorded. */
async function recordedReply(tenantId: string, recipientId: string, running: RunningSwitchboard = server) {
  return found(async () => {
    const rows = await outboxRows(tenantId, recipientId, running);
    return rows.length === 1 && rows[0]!.wa_message_id !== null ? rows[0]! : undefined;
  }, `the reply to ${recipientId} to be recorded as sent`);
}

/** A server with its own fake Graph (for injected failures and predictable wamids), sharing the fake model. */
async function startIsolated(tenant: { id: string; phoneNumberId: string }, options: { clock?: ManualClock } = {}) {
  const ownGraph = await startFakeGraph();
  const ownServer = await startSwitchboard({
    graphUrl: ownGraph.url,
    tenants: [tenantFile({ ...tenant, modelUrl: model.url, debounceMs: 0 })],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    graph: ownGraph,
    server: ownServer,
    async stop() {
      await ownServer.stop();
      await ownGraph.close();
    },
  };
}

function graphError(code: number, message: string) {
  return { error: { message, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: message }, fbtrace_id: 'FAKE_TRACE' } };
}

describe('redelivered webhooks', () => {
  const { id, phoneNumberId } = TENANTS.redelivery;

  it('answers a message redelivered after its reply once, and still acknowledges the redelivery', async () => {
    const user = '15550001001';
    const body = textMessage({ phoneNumberId, from: user, text: 'is my order ready?' });

    expect((await server.post(body)).status).toBe(200);
    await eventually(() => sendsTo(phoneNumberId, user).length === 1, 'the first reply');
    expect((await server.post(body)).status).toBe(200);
    await settle();

    expect(sendsTo(phoneNumberId, user)).toHaveLength(1);
    expect(sendsTo(phoneNumberId, user)[0]!.text).toBe('echo: is my order ready?');
    expect((await inboundRows(id)).filter((row) => row.user_id === user)).toHaveLength(1);
    expect(modelRequestsOf(id).filter((request) => lastUserText(request) === 'is my order ready?')).toHaveLength(1);
  });

  it('answers a message posted twice back to back once', async () => {
    const user = '15550001002';
    const body = textMessage({ phoneNumberId, from: user, text: 'back to back' });

    expect((await server.post(body)).status).toBe(200);
    expect((await server.post(body)).status).toBe(200);
    await eventually(() => sendsTo(phoneNumberId, user).length >= 1, 'the reply');
    await settle();

    expect(sendsTo(phoneNumberId, user)).toHaveLength(1);
    expect((await inboundRows(id)).filter((row) => row.user_id === user)).toHaveLength(1);
  });

  it('answers a message delivered twice concurrently once, with 200 for both deliveries', async () => {
    const user = '15550001003';
    const body = textMessage({ phoneNumberId, from: user, text: 'concurrent copies' });

    const responses = await Promise.all([server.post(body), server.post(body), server.post(body)]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    await eventually(() => sendsTo(phoneNumberId, user).length >= 1, 'the reply');
    await settle();

    expect(sendsTo(phoneNumberId, user)).toHaveLength(1);
    expect((await inboundRows(id)).filter((row) => row.user_id === user)).toHaveLength(1);
    expect(modelRequestsOf(id).filter((request) => lastUserText(request) === 'concurrent copies')).toHaveLength(1);
  });
});

describe('signature check', () => {
  const { id, phoneNumberId } = TENANTS.signature;

  it('refuses a wrong secret, a missing header, a bare hex digest and a tampered body with 401 and stores nothing', async () => {
    const user = '15550002001';
    const body = textMessage({ phoneNumberId, from: user, text: 'pay me back' });
    const raw = metaJson(body);
    const tampered = raw.replace('pay me back', 'pay us back');
    expect(tampered).not.toBe(raw);

    const responses = [
      await server.post(raw, { appSecret: 'not-the-app-secret' }),
      await server.post(raw, { signature: null }),
      await server.post(raw, { signature: signBody(raw, APP_SECRET).slice('sha256='.length) }),
      await server.post(tampered, { signature: signBody(raw, APP_SECRET) }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.text).toContain('SIGNATURE_INVALID');
    }
    await settle();

    expect(await inboundRows(id)).toHaveLength(0);
    expect(await database().selectFrom('jobs').selectAll().where('tenant_id', '=', id).execute()).toHaveLength(0);
    expect(await database().selectFrom('conversations').selectAll().where('tenant_id', '=', id).execute()).toHaveLength(0);
    expect(modelRequestsOf(id)).toHaveLength(0);
    expect(sendsFrom(phoneNumberId)).toHaveLength(0);
    expect(graph.reads.filter((read) => read.phoneNumberId === phoneNumberId)).toHaveLength(0);
  });

  it('accepts the same body once it is signed with the app secret', async () => {
    const user = '15550002002';
    const response = await server.post(textMessage({ phoneNumberId, from: user, text: 'signed properly' }));
    expect(response.status).toBe(200);
    await eventually(() => sendsTo(phoneNumberId, user).length === 1, 'the reply to a signed message');
  });
});

describe('malformed bodies', () => {
  const { id } = TENANTS.rejects;

  it('answers 400 to a signed body that is not JSON', async () => {
    const response = await server.post('{"object": "whatsapp_business_account", "entry": [');
    expect(response.status).toBe(400);
    expect(response.text).toContain('WEBHOOK_NOT_JSON');
  });

  it('answers 400 to signed JSON that is not a WhatsApp envelope', async () => {
    for (const raw of ['{"hello":"world"}', '{"object":"page","entry":[]}', '{"object":"whatsapp_business_account"}', '[]', '42']) {
      const response = await server.post(raw);
      expect(response.status, raw).toBe(400);
      expect(response.text, raw).toContain('WEBHOOK_NOT_ENVELOPE');
    }
    expect(await inboundRows(id)).toHaveLength(0);
  });
});

describe('verification handshake', () => {
  const handshake = (query: string) => fetch(`${server.url}/webhook?${query}`);

  it('echoes the challenge as plain text for the right verify token', async () => {
    const response = await handshake(`hub.mode=subscribe&hub.verify_token=${encodeURIComponent(VERIFY_TOKEN)}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1158201444');
  });

  it('refuses a wrong or missing verify token with 403', async () => {
    for (const query of [
      'hub.mode=subscribe&hub.verify_token=wrong-token&hub.challenge=1158201444',
      'hub.mode=subscribe&hub.challenge=1158201444',
      `hub.mode=unsubscribe&hub.verify_token=${encodeURIComponent(VERIFY_TOKEN)}&hub.challenge=1158201444`,
      '',
    ]) {
      const response = await handshake(query);
      expect(response.status, query).toBe(403);
      expect(await response.text(), query).not.toContain('1158201444');
    }
  });
});

describe('unknown business numbers', () => {
  it('acknowledges a message for an unknown phone_number_id and stores and sends nothing', async () => {
    const user = '15550003001';
    const body = textMessage({ phoneNumberId: UNKNOWN_PHONE_NUMBER_ID, from: user, text: 'anyone there?' });
    const wamid = body.entry[0]!.changes[0]!.value.messages[0]!.id;

    expect((await server.post(body)).status).toBe(200);
    await settle();

    expect(await database().selectFrom('inbound_messages').selectAll().where('wa_message_id', '=', wamid).execute()).toHaveLength(0);
    expect(await database().selectFrom('jobs').selectAll().where('job_key', 'like', `%${user}%`).execute()).toHaveLength(0);
    expect(sendsFrom(UNKNOWN_PHONE_NUMBER_ID)).toHaveLength(0);
    expect(graph.sends.filter((send) => send.body.to === `+${user}`)).toHaveLength(0);
  });

  it('acknowledges the unknown-phone-number-id fixture signed as its exact bytes and stores nothing', async () => {
    const raw = fixture('unknown-phone-number-id.json');
    expect((await server.post(raw)).status).toBe(200);
    await settle();

    const wamid = 'wamid.HBgLMTkxNzU1NTAxMzQVAgASGBQzRjY3NzY0ODUzMTcwODA2Qjc2RAA=';
    expect(raw).toContain(wamid);
    expect(await database().selectFrom('inbound_messages').selectAll().where('wa_message_id', '=', wamid).execute()).toHaveLength(0);
    expect(graph.sends.filter((send) => send.phoneNumberId === '150000000000001' || send.body.to === '+19175550134')).toHaveLength(0);
  });
});

describe('the shared WhatsApp fixtures', () => {
  const acme = { id: 'acme', phoneNumberId: '111111111111111' };
  const globex = { id: 'globex', phoneNumberId: '222222222222222' };
  let fixtureGraph: FakeGraph;
  let fixtureServer: RunningSwitchboard;

  beforeAll(async () => {
    fixtureGraph = await startFakeGraph();
    fixtureServer = await startSwitchboard({
      graphUrl: fixtureGraph.url,
      tenants: [acme, globex].map((tenant) => tenantFile({ ...tenant, modelUrl: model.url, debounceMs: 0 })),
    });
  });
  afterAll(async () => {
    await fixtureServer?.stop();
    await fixtureGraph?.close();
  });

  /** The tenant's model requests whose newest user text passes `check`. */
  const modelSaw = (tenantId: string, check: (text: string) => boolean) =>
    modelRequestsOf(tenantId).filter((request) => check(lastUserText(request)));

  it('acknowledges every fixture and answers exactly the ones a person wrote', async () => {
    // 1. Bodies that must not be answered: a reaction, another webhook field, statuses of unknown messages.
    for (const name of ['reaction.json', 'non-messages-field.json', 'status-delivered.json', 'status-failed.json']) {
      expect((await fixtureServer.post(fixture(name))).status, name).toBe(200);
    }
    await settle();
    expect(fixtureGraph.sends).toHaveLength(0);
    expect(modelRequestsOf(acme.id)).toHaveLength(0);
    expect(modelRequestsOf(globex.id)).toHaveLength(0);
    const reaction = await fixtureServer.app.database.db
      .selectFrom('inbound_messages')
      .selectAll()
      .where('wa_message_id', '=', 'wamid.HBgLMTQwODU1NTAxNjMVAgASGBRBQjJFOTVDMDRERjVCOTA4NkM5MAA=')
      .executeTakeFirstOrThrow();
    expect(reaction).toMatchObject({ tenant_id: acme.id, state: 'ignored', ignored_reason: 'reaction' });
    const parked = await fixtureServer.app.database.db.selectFrom('parked_statuses').selectAll().orderBy('id').execute();
    expect(parked.map((row) => [row.tenant_id, row.status, row.error_code])).toEqual([
      [globex.id, 'delivered', null],
      [acme.id, 'failed', 131026],
    ]);

    // 2. Each answerable fixture on its own, so that each one is its own turn with its own reply.
    const answerable: Array<{ name: string; from: typeof acme; user: string; modelText: (text: string) => boolean }> = [
      { name: 'text.json', from: acme, user: '14085550147', modelText: (text) => text === 'Hello! What time do you open on Saturdays?' },
      { name: 'image.json', from: globex, user: '13125550177', modelText: (text) => text.includes('[image]') && text.includes('Here is the receipt from yesterday') },
      { name: 'audio-voice.json', from: acme, user: '14085550163', modelText: (text) => text.includes('[voice note]') },
      { name: 'interactive-button-reply.json', from: globex, user: '447911123456', modelText: (text) => text.includes('Yes, please') },
      { name: 'interactive-list-reply.json', from: acme, user: '14085550147', modelText: (text) => text.includes('Large') && text.includes('Serves 4') },
      {
        name: 'location.json',
        from: globex,
        user: '13125550177',
        modelText: (text) => text.includes('[location]') && text.includes('Willis Tower') && text.includes('233 S Wacker Dr') && text.includes('41.8789'),
      },
    ];
    for (const item of answerable) {
      const before = fixtureGraph.sends.length;
      expect((await fixtureServer.post(fixture(item.name))).status, item.name).toBe(200);
      const sends = await fixtureGraph.waitForSends(before + 1);
      const reply = sends[before]!;
      expect(reply.phoneNumberId, item.name).toBe(item.from.phoneNumberId);
      expect(reply.body.to, item.name).toBe(`+${item.user}`);
      expect(modelSaw(item.from.id, item.modelText), `${item.name} reached the model`).toHaveLength(1);
      expect(reply.text, item.name).toBe(`echo: ${lastUserText(modelSaw(item.from.id, item.modelText)[0]!)}`);
    }

    // 3. One POST, two users: two replies, one to each.
    const before = fixtureGraph.sends.length;
    expect((await fixtureServer.post(fixture('batch-two-messages.json'))).status).toBe(200);
    const batchReplies = (await fixtureGraph.waitForSends(before + 2)).slice(before);
    expect(batchReplies.map((send) => send.body.to).sort()).toEqual(['+13125550177', '+447911123456']);
    expect(batchReplies.every((send) => send.phoneNumberId === globex.phoneNumberId)).toBe(true);
    expect(batchReplies.find((send) => send.body.to === '+13125550177')!.text).toBe('echo: ¿Tienen servicio a domicilio hoy?');
    expect(batchReplies.find((send) => send.body.to === '+447911123456')!.text).toBe('echo: Can I change my booking to 7pm?');

    await settle();
    expect(fixtureGraph.sends).toHaveLength(answerable.length + 2);
    // The reaction's sender got only the voice note's reply.
    expect(fixtureGraph.sends.filter((send) => send.body.to === '+14085550163')).toHaveLength(1);
  });
});

describe('Meta-style escaped bodies', () => {
  const { id, phoneNumberId } = TENANTS.unicode;

  it('verifies a body with non-ASCII escaped as \\uXXXX and gives the model the unescaped text', async () => {
    const user = '5511900004001';
    const text = 'Olá, café ☕ 😀';
    const raw = metaJson(textMessage({ phoneNumberId, from: user, text, name: 'João' }));
    // The signed bytes are Meta's escaped form, which re-serialising the parsed body would not reproduce.
    expect(raw).toContain('Ol\\u00e1, caf\\u00e9 \\u2615 \\ud83d\\ude00');
    expect(raw).not.toContain('é');

    expect((await server.post(raw)).status).toBe(200);
    const request = await found(() => modelRequestsOf(id).find((candidate) => lastUserText(candidate) === text), 'the model request');
    expect(lastUserText(request)).toBe(text);
    await eventually(() => sendsTo(phoneNumberId, user).length === 1, 'the reply');
    expect(sendsTo(phoneNumberId, user)[0]!.text).toBe(`echo: ${text}`);
    const [row] = await inboundRows(id);
    expect(row).toMatchObject({ text, contact_name: 'João' });
  });
});

describe('several tenants in one POST', () => {
  const a = TENANTS.entryA;
  const b = TENANTS.entryB;

  it("answers each entry's user from that entry's business number", async () => {
    const userA = '15550005001';
    const userB = '15550005002';
    const first = textMessage({ phoneNumberId: a.phoneNumberId, from: userA, text: 'question for A' });
    const second = textMessage({ phoneNumberId: b.phoneNumberId, from: userB, text: 'question for B' });
    const both = { ...first, entry: [...first.entry, ...second.entry] };

    expect((await server.post(both)).status).toBe(200);
    await eventually(() => sendsTo(a.phoneNumberId, userA).length === 1 && sendsTo(b.phoneNumberId, userB).length === 1, 'both replies');
    await settle();

    expect(sendsTo(a.phoneNumberId, userA)[0]).toMatchObject({ authorization: `Bearer token-${a.id}`, text: 'echo: question for A' });
    expect(sendsTo(b.phoneNumberId, userB)[0]).toMatchObject({ authorization: `Bearer token-${b.id}`, text: 'echo: question for B' });
    expect(sendsFrom(a.phoneNumberId)).toHaveLength(1);
    expect(sendsFrom(b.phoneNumberId)).toHaveLength(1);
    expect((await inboundRows(a.id)).map((row) => row.user_id)).toEqual([userA]);
    expect((await inboundRows(b.id)).map((row) => row.user_id)).toEqual([userB]);
  });
});

describe('Graph API failures', () => {
  it('retries a 500 and the user receives exactly one reply', async () => {
    const tenant = { id: 'wr-graph-500', phoneNumberId: '302000000000001' };
    const user = '15550006001';
    const isolated = await startIsolated(tenant);
    try {
      isolated.graph.failNext(1, { status: 500 });
      expect((await isolated.server.post(textMessage({ ...tenant, from: user, text: 'hello through a 500' }))).status).toBe(200);

      // The retry waits 0.5-1 s (attempt 1's back-off).
      await isolated.graph.waitForSends(1, 10_000);
      await settle();

      expect(isolated.graph.sends).toHaveLength(1);
      expect(isolated.graph.sends[0]).toMatchObject({ to: `+${user}`, text: 'echo: hello through a 500' });
      expect(isolated.graph.attempts.filter((attempt) => attempt.kind === 'send').map((attempt) => attempt.status)).toEqual([500, 200]);
      const [row] = await outboxRows(tenant.id, user, isolated.server);
      expect(row).toMatchObject({ state: 'sent', attempts: 2, wa_message_id: isolated.graph.sends[0]!.waMessageId });
    } finally {
      await isolated.stop();
    }
  });

  it('does not retry a 131047 re-engagement error and records it on the outbox row', async () => {
    const tenant = { id: 'wr-graph-131047', phoneNumberId: '302000000000002' };
    const user = '15550006002';
    const isolated = await startIsolated(tenant);
    try {
      isolated.graph.failNext(1, { status: 400, body: graphError(131047, 'Re-engagement message') });
      expect((await isolated.server.post(textMessage({ ...tenant, from: user, text: 'too late' }))).status).toBe(200);

      const row = await found(async () => {
        const [candidate] = await outboxRows(tenant.id, user, isolated.server);
        return candidate?.state === 'failed' ? candidate : undefined;
      }, 'the outbox row to be failed');
      expect(row).toMatchObject({ state: 'failed', error_code: 131047, attempts: 1, wa_message_id: null });
      // The delivery job finished rather than scheduling a retry, so nothing is left to send it again.
      await eventually(
        async () => (await isolated.server.app.database.db.selectFrom('jobs').selectAll().where('tenant_id', '=', tenant.id).execute()).length === 0,
        'the delivery job to finish',
      );
      // A retry would have come 0.5-1 s after the failure.
      await settle(1200);

      expect(isolated.graph.attempts.filter((attempt) => attempt.kind === 'send')).toHaveLength(1);
      expect(isolated.graph.sends).toHaveLength(0);
      expect(await isolated.server.app.database.db.selectFrom('dead_letters').selectAll().execute()).toHaveLength(0);
    } finally {
      await isolated.stop();
    }
  });
});

describe('dead letters', () => {
  it('dead-letters a delivery that keeps failing, and the admin retry delivers it once', async () => {
    const tenant = { id: 'wr-dead-letter', phoneNumberId: '303000000000001' };
    const user = '15550007001';
    // The back-off is exponential (up to minutes); a hand-moved clock makes each retry due without waiting.
    const clock = new ManualClock();
    const isolated = await startIsolated(tenant, { clock });
    const db = isolated.server.app.database.db;
    try {
      // 1. Every one of the job's 10 attempts gets a 500.
      isolated.graph.failNext(10, { status: 500 });
      expect((await isolated.server.post(textMessage({ ...tenant, from: user, text: 'stuck message' }))).status).toBe(200);

      // 2. Whenever the delivery job waits for its back-off (and no worker holds it), jump to its due time.
      const jobKey = `deliver:${tenant.id}:${user}`;
      const deadLetter = await found(
        async () => {
          const dead = await db.selectFrom('dead_letters').selectAll().where('tenant_id', '=', tenant.id).executeTakeFirst();
          if (dead) return dead;
          const job = await db.selectFrom('jobs').select(['run_at', 'locked_by']).where('job_key', '=', jobKey).executeTakeFirst();
          if (job && job.locked_by === null && Number(job.run_at) > clock.now()) clock.advance(Number(job.run_at) - clock.now());
          return undefined;
        },
        'the delivery job to be dead-lettered',
        15_000,
      );
      expect(deadLetter).toMatchObject({ job_name: 'outbox.deliver', job_key: jobKey, attempts: 10, retried_at: null });
      expect(isolated.graph.attempts.filter((attempt) => attempt.kind === 'send').map((attempt) => attempt.status)).toEqual(Array(10).fill(500));
      expect(isolated.graph.sends).toHaveLength(0);
      const [stuck] = await outboxRows(tenant.id, user, isolated.server);
      expect(stuck).toMatchObject({ state: 'pending', attempts: 10 });

      // 3. The admin API lists it, behind the admin token.
      const listed = await isolated.server.admin('GET', `/admin/dead-letters?tenant=${tenant.id}`);
      expect(listed.status).toBe(200);
      expect(listed.json.deadLetters).toHaveLength(1);
      expect(listed.json.deadLetters[0]).toMatchObject({
        id: String(deadLetter.id),
        jobName: 'outbox.deliver',
        tenantId: tenant.id,
        payload: { tenantId: tenant.id, recipientId: user },
        attempts: 10,
        retriedAt: null,
      });
      expect(listed.json.deadLetters[0].error).toContain('GRAPH_SEND_FAILED');
      expect((await isolated.server.admin('GET', '/admin/dead-letters', null)).status).toBe(401);
      expect((await isolated.server.admin('GET', '/admin/dead-letters', 'wrong-token')).status).toBe(401);

      // 4. A retry without the right token does nothing.
      const retryPath = `/admin/dead-letters/${deadLetter.id}/retry`;
      expect((await isolated.server.admin('POST', retryPath, null)).status).toBe(401);
      expect((await isolated.server.admin('POST', retryPath, 'wrong-token')).status).toBe(401);
      await settle();
      expect(isolated.graph.sends).toHaveLength(0);
      expect((await db.selectFrom('dead_letters').select('retried_at').where('id', '=', deadLetter.id).executeTakeFirstOrThrow()).retried_at).toBeNull();

      // 5. The retry delivers the pending reply once; Graph answers normally again.
      const retried = await isolated.server.admin('POST', retryPath, ADMIN_TOKEN);
      expect(retried).toMatchObject({ status: 200, json: { id: String(deadLetter.id), retried: true } });
      const [send] = await isolated.graph.waitForSends(1);
      expect(send).toMatchObject({ to: `+${user}`, text: 'echo: stuck message' });
      await recordedReply(tenant.id, user, isolated.server);
      await settle();
      expect(isolated.graph.sends).toHaveLength(1);
      const [delivered] = await outboxRows(tenant.id, user, isolated.server);
      expect(delivered).toMatchObject({ state: 'sent', wa_message_id: send!.waMessageId });
      const after = await isolated.server.admin('GET', `/admin/dead-letters?tenant=${tenant.id}`);
      expect(after.json.deadLetters[0].retriedAt).toBe(clock.now());

      // 6. A dead letter is retried once.
      expect((await isolated.server.admin('POST', retryPath)).status).toBe(404);
      expect((await isolated.server.admin('POST', '/admin/dead-letters/999999/retry')).status).toBe(404);
    } finally {
      await isolated.stop();
    }
  });
});

describe('status webhooks', () => {
  const { id, phoneNumberId } = TENANTS.statuses;

  async function replyTo(user: string, text: string) {
    expect((await server.post(textMessage({ phoneNumberId, from: user, text }))).status).toBe(200);
    return recordedReply(id, user);
  }

  async function postStatus(waMessageId: string, status: string, errors?: object[]) {
    const response = await server.post(statusUpdate({ phoneNumberId, waMessageId, status, ...(errors ? { errors } : {}) }));
    expect(response.status).toBe(200);
    await server.distributed();
  }

  async function stateOf(outboxId: number) {
    return (await database().selectFrom('outbox').select(['state', 'error_code', 'error_detail']).where('id', '=', outboxId).executeTakeFirstOrThrow());
  }

  it('moves a reply forward only, whatever order delivered and read arrive in', async () => {
    const reply = await replyTo('15550008001', 'track my reply');
    expect(reply.state).toBe('sent');

    await postStatus(reply.wa_message_id!, 'delivered');
    expect((await stateOf(reply.id)).state).toBe('delivered');
    await postStatus(reply.wa_message_id!, 'read');
    expect((await stateOf(reply.id)).state).toBe('read');
    await postStatus(reply.wa_message_id!, 'delivered');
    await postStatus(reply.wa_message_id!, 'sent');
    expect((await stateOf(reply.id)).state).toBe('read');
  });

  it('records the error code of a failed status', async () => {
    const reply = await replyTo('15550008002', 'this one will fail');
    await postStatus(reply.wa_message_id!, 'failed', [
      { code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } },
    ]);
    expect(await stateOf(reply.id)).toEqual({ state: 'failed', error_code: 131026, error_detail: 'Message undeliverable' });
    // A late success status does not hide the failure.
    await postStatus(reply.wa_message_id!, 'read');
    expect((await stateOf(reply.id)).state).toBe('failed');
  });

  it('parks a status for a message it does not know yet and still answers 200', async () => {
    const unknownWamid = `wamid.not-yet-recorded.${testWamid().slice('wamid.test.'.length)}`;
    await postStatus(unknownWamid, 'delivered');
    const parked = await database().selectFrom('parked_statuses').selectAll().where('wa_message_id', '=', unknownWamid).execute();
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ tenant_id: id, status: 'delivered' });
    expect(await database().selectFrom('outbox').selectAll().where('wa_message_id', '=', unknownWamid).execute()).toHaveLength(0);
  });

  it('applies a parked status once the send it describes is recorded', async () => {
    const tenant = { id: 'wr-parked', phoneNumberId: '304000000000001' };
    const user = '15550008003';
    const isolated = await startIsolated(tenant);
    try {
      // 1. A fresh fake Graph names its first send wamid.fake.1; its `read` status overtakes the send.
      const status = statusUpdate({ phoneNumberId: tenant.phoneNumberId, waMessageId: 'wamid.fake.1', status: 'read' });
      expect((await isolated.server.post(status)).status).toBe(200);
      await isolated.server.distributed();
      const db = isolated.server.app.database.db;
      expect(await db.selectFrom('parked_statuses').select(['tenant_id', 'status']).execute()).toEqual([{ tenant_id: tenant.id, status: 'read' }]);

      // 2. The reply is sent under that id, and recording it applies the parked status.
      expect((await isolated.server.post(textMessage({ ...tenant, from: user, text: 'overtaken' }))).status).toBe(200);
      const [send] = await isolated.graph.waitForSends(1);
      expect(send!.waMessageId).toBe('wamid.fake.1');
      const row = await found(async () => {
        const [candidate] = await outboxRows(tenant.id, user, isolated.server);
        return candidate?.state === 'read' ? candidate : undefined;
      }, 'the parked read status to be applied');
      expect(row.wa_message_id).toBe('wamid.fake.1');
      expect(await db.selectFrom('parked_statuses').selectAll().execute()).toHaveLength(0);
    } finally {
      await isolated.stop();
    }
  });
});

describe('users known only by a BSUID', () => {
  const { id, phoneNumberId } = TENANTS.bsuid;

  it('answers to `recipient` with the BSUID and no `to`', async () => {
    const bsuid = 'US.13491208655302741918';
    const body = envelope(
      phoneNumberId,
      [{ from_user_id: bsuid, id: testWamid(), timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'hi, no number here' } }],
      [{ profile: { name: 'Username User' }, user_id: bsuid }],
    );
    expect((await server.post(body)).status).toBe(200);

    await eventually(() => sendsFrom(phoneNumberId).length === 1, 'the reply to the BSUID user');
    const [send] = sendsFrom(phoneNumberId);
    expect(send!.body).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', recipient: bsuid, type: 'text' });
    expect(send!.body).not.toHaveProperty('to');
    expect(send!.text).toBe('echo: hi, no number here');
    const [row] = await inboundRows(id);
    expect(row).toMatchObject({ user_id: bsuid, address_kind: 'bsuid', contact_name: 'Username User' });
  });
});
