// End to end: the conversation promises of the README (isolation, memory, ordering, debounce, escalation,
// hand-off, fallbacks, long replies), proven on the real server against fake Graph and model servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../src/escalation/default-texts.js';
import { startFakeGraph, type FakeGraph, type RecordedSend } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type ChatMessage, type FakeModel, type RecordedModelRequest } from '../helpers/fake-model.js';
import { eventually, ManualClock, settle, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

const HOUR = 60 * 60 * 1000;
const PT = textsFor('pt');

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** tenantFile() with its ai / escalation blocks merged instead of replaced, and an optional memory block. */
function tenant(
  options: Parameters<typeof tenantFile>[0] & { ai?: Record<string, unknown>; escalation?: Record<string, unknown>; memory?: Record<string, unknown> },
): Record<string, unknown> {
  const { ai, escalation, memory, ...rest } = options;
  const file = tenantFile(rest);
  return {
    ...file,
    ai: { ...(file['ai'] as Record<string, unknown>), ...ai },
    escalation: { ...(file['escalation'] as Record<string, unknown>), ...escalation },
    ...(memory ? { memory } : {}),
  };
}

/** Posts one signed text message from `from` to the business number `phoneNumberId`. */
async function say(server: RunningSwitchboard, phoneNumberId: string, from: string, text: string): Promise<void> {
  const response = await server.post(textMessage({ phoneNumberId, from, text }));
  expect(response.status, `webhook for "${text}"`).toBe(200);
}

/** Message sends the fake Graph accepted for one recipient (digits, no `+`), oldest first. */
function sendsTo(graph: FakeGraph, recipient: string): RecordedSend[] {
  return graph.sends.filter((send) => send.to === `+${recipient}`);
}

/** Waits until `recipient` got at least `count` sends; returns all of them. */
async function waitForSendsTo(graph: FakeGraph, recipient: string, count: number, timeoutMs = 8000): Promise<RecordedSend[]> {
  const sends = await eventually(
    () => {
      const sends = sendsTo(graph, recipient);
      return sends.length >= count ? sends : null;
    },
    `${count} message(s) to +${recipient} (got ${sendsTo(graph, recipient).length})`,
    timeoutMs,
  );
  return sends!;
}

function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('\n');
}

/** The conversation the model was shown, without the system prompt. */
function turnsOf(request: RecordedModelRequest): Array<{ role: string; text: string }> {
  return request.body.messages
    .filter((message) => message.role !== 'system' && message.role !== 'developer')
    .map((message) => ({ role: message.role, text: messageText(message.content) }));
}

/** The system prompt the model was given. */
function systemOf(request: RecordedModelRequest): string {
  return request.body.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => messageText(message.content))
    .join('\n');
}

/** Model requests whose newest user message is exactly `text`. */
function requestsEndingWith(model: FakeModel, text: string): RecordedModelRequest[] {
  return model.requests.filter((request) => lastUserText(request) === text);
}

/** Model requests whose JSON mentions `text` anywhere. */
function requestsMentioning(model: FakeModel, text: string): RecordedModelRequest[] {
  return model.requests.filter((request) => JSON.stringify(request.body).includes(text));
}

/** Waits for the model request whose newest user message is `text`. */
async function waitForRequest(model: FakeModel, text: string, timeoutMs = 8000): Promise<RecordedModelRequest> {
  const request = await eventually(() => requestsEndingWith(model, text)[0], `a model request ending with "${text}"`, timeoutMs);
  return request!;
}

async function conversationOf(server: RunningSwitchboard, tenantId: string, userId: string) {
  const response = await server.admin('GET', `/admin/tenants/${tenantId}/conversations/${userId}`);
  expect(response.status).toBe(200);
  return response.json.conversation as { mode: string; modeReason: string | null };
}

/** Waits until no job is running: moving a manual clock under a running job would expire its lease. */
async function waitUntilIdle(server: RunningSwitchboard): Promise<void> {
  await eventually(
    async () => {
      const running = await server.app.database.db.selectFrom('jobs').select('id').where('locked_by', 'is not', null).execute();
      return running.length === 0;
    },
    'no running jobs',
  );
}

// Replies echo the user unless asked for a long text.
const LONG_REPLY = Array.from({ length: 6 }, (_, index) => `Part ${index + 1}. ${`word${index + 1} `.repeat(300).trim()}.`).join('\n\n');
function echoOrLong(request: Parameters<typeof lastUserText>[0]): string {
  const text = lastUserText(request);
  return text.includes('LONG-REPLY') ? LONG_REPLY : `echo: ${text}`;
}

// ---------------------------------------------------------------------------------------------------------------

describe('conversations on the system clock', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  const ISO_A = '3000000001';
  const ISO_B = '3000000002';
  const MEMORY = '3000000003';
  const MEMORY_TWO = '3000000004';
  const BURST = '3000000005';
  const ESCALATE_PT = '3000000010';
  const ESCALATE_CUSTOM = '3000000011';
  const TEMPLATE_CLOSED = '3000000020';
  const TEMPLATE_OPEN = '3000000021';
  const HANDOFF = '3000000030';
  const PT_AGENT = '5511999990000';
  const CUSTOM_AGENT = '5511999990009';
  const CLOSED_AGENT = '5511999990001';
  const OPEN_AGENT = '5511999990002';
  const HANDOFF_AGENT = '5511999990003';
  const CUSTOM_ESCALATION = 'Um atendente humano vai falar com você em instantes.';

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel({ reply: echoOrLong });
    const modelUrl = model.url;
    server = await startSwitchboard({
      graphUrl: graph.url,
      tenants: [
        tenant({ id: 'iso-a', phoneNumberId: ISO_A, modelUrl, systemPrompt: 'SECRET-PROMPT-A', keywords: [] }),
        tenant({ id: 'iso-b', phoneNumberId: ISO_B, modelUrl, systemPrompt: 'SECRET-PROMPT-B', keywords: [] }),
        tenant({ id: 'memory', phoneNumberId: MEMORY, modelUrl, keywords: [] }),
        tenant({ id: 'memory-two', phoneNumberId: MEMORY_TWO, modelUrl, keywords: [], memory: { max_turns: 2 } }),
        tenant({ id: 'burst', phoneNumberId: BURST, modelUrl, keywords: [] }),
        tenant({
          id: 'escalate-pt',
          phoneNumberId: ESCALATE_PT,
          modelUrl,
          language: 'pt',
          keywords: ['emergência', 'call me', 'agent'],
          notify: `+${PT_AGENT}`,
        }),
        tenant({
          id: 'escalate-custom',
          phoneNumberId: ESCALATE_CUSTOM,
          modelUrl,
          language: 'pt',
          keywords: ['emergência'],
          notify: `+${CUSTOM_AGENT}`,
          escalation: { message: CUSTOM_ESCALATION },
        }),
        tenant({
          id: 'template-closed',
          phoneNumberId: TEMPLATE_CLOSED,
          modelUrl,
          notify: `+${CLOSED_AGENT}`,
          escalation: { notify_template: { name: 'agent_alert', language: 'pt_BR' } },
        }),
        tenant({
          id: 'template-open',
          phoneNumberId: TEMPLATE_OPEN,
          modelUrl,
          notify: `+${OPEN_AGENT}`,
          escalation: { notify_template: { name: 'agent_alert', language: 'pt_BR' } },
        }),
        tenant({ id: 'handoff', phoneNumberId: HANDOFF, modelUrl, notify: `+${HANDOFF_AGENT}` }),
      ],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await graph?.close();
    await model?.close();
  });

  it("shows the model only its own tenant's prompt and its own user's words", async () => {
    const users = [
      { phoneNumberId: ISO_A, prompt: 'SECRET-PROMPT-A', number: '5511900000101', tag: 'ALPHAONE' },
      { phoneNumberId: ISO_A, prompt: 'SECRET-PROMPT-A', number: '5511900000102', tag: 'ALPHATWO' },
      { phoneNumberId: ISO_B, prompt: 'SECRET-PROMPT-B', number: '5511900000201', tag: 'BRAVOONE' },
      { phoneNumberId: ISO_B, prompt: 'SECRET-PROMPT-B', number: '5511900000202', tag: 'BRAVOTWO' },
    ];
    const turns = 3;
    const before = model.requests.length;
    // All four users talk at once, each waiting for its reply before the next turn.
    await Promise.all(
      users.map(async (user) => {
        for (let turn = 1; turn <= turns; turn++) {
          await say(server, user.phoneNumberId, user.number, `${user.tag} says word${turn}`);
          const sends = await waitForSendsTo(graph, user.number, turn);
          expect(sends[turn - 1]!.text).toBe(`echo: ${user.tag} says word${turn}`);
          expect(sends[turn - 1]!.phoneNumberId).toBe(user.phoneNumberId);
        }
      }),
    );

    const requests = model.requests.slice(before);
    expect(requests).toHaveLength(users.length * turns);
    for (const request of requests) {
      const json = JSON.stringify(request.body);
      const owner = users.find((user) => lastUserText(request).startsWith(user.tag));
      expect(owner, `owner of ${lastUserText(request)}`).toBeDefined();
      expect(systemOf(request)).toContain(owner!.prompt);
      for (const other of users) {
        if (other.prompt !== owner!.prompt) expect(json).not.toContain(other.prompt);
        if (other.tag !== owner!.tag) {
          expect(json).not.toContain(other.tag);
          expect(json).not.toContain(other.number);
        }
      }
    }
    // Not vacuous: each user's last request carries that user's whole earlier conversation.
    for (const user of users) {
      const last = requestsEndingWith(model, `${user.tag} says word${turns}`);
      expect(last).toHaveLength(1);
      expect(turnsOf(last[0]!).map((entry) => entry.text)).toEqual([
        `${user.tag} says word1`,
        `echo: ${user.tag} says word1`,
        `${user.tag} says word2`,
        `echo: ${user.tag} says word2`,
        `${user.tag} says word3`,
      ]);
    }
  });

  it("sends the model this user's earlier turns, user and assistant, in order", async () => {
    const user = '5511900000301';
    const texts = ['first fig', 'second grape', 'third hazelnut'];
    for (const [index, text] of texts.entries()) {
      await say(server, MEMORY, user, text);
      await waitForSendsTo(graph, user, index + 1);
    }
    expect(turnsOf(await waitForRequest(model, 'first fig'))).toEqual([{ role: 'user', text: 'first fig' }]);
    expect(turnsOf(await waitForRequest(model, 'third hazelnut'))).toEqual([
      { role: 'user', text: 'first fig' },
      { role: 'assistant', text: 'echo: first fig' },
      { role: 'user', text: 'second grape' },
      { role: 'assistant', text: 'echo: second grape' },
      { role: 'user', text: 'third hazelnut' },
    ]);
  });

  it('sends only the last max_turns pairs of the memory', async () => {
    const user = '5511900000302';
    const texts = ['one kiwi', 'two lemon', 'three mango', 'four nectarine'];
    for (const [index, text] of texts.entries()) {
      await say(server, MEMORY_TWO, user, text);
      await waitForSendsTo(graph, user, index + 1);
    }
    expect(turnsOf(await waitForRequest(model, 'four nectarine'))).toEqual([
      { role: 'user', text: 'two lemon' },
      { role: 'assistant', text: 'echo: two lemon' },
      { role: 'user', text: 'three mango' },
      { role: 'assistant', text: 'echo: three mango' },
      { role: 'user', text: 'four nectarine' },
    ]);
  });

  it('answers messages sent while the model is answering in the next turn, in order, each once', async () => {
    const user = '5511900000401';
    // 1. The model holds its answer (a slow model, under the test's control).
    model.hang(true);
    try {
      await say(server, BURST, user, 'burst one');
      await waitForRequest(model, 'burst one');
      // 2. Two more messages arrive while the first turn waits for the model.
      await say(server, BURST, user, 'burst two');
      await say(server, BURST, user, 'burst three');
    } finally {
      // 3. The model answers the first turn.
      model.hang(false);
    }
    // 4. The second turn answers both later messages together, after the first reply.
    const sends = await waitForSendsTo(graph, user, 2);
    await settle();
    expect(sendsTo(graph, user).map((send) => send.text)).toEqual(['echo: burst one', 'echo: burst two\nburst three']);
    expect(sends[0]!.at).toBeLessThanOrEqual(sends[1]!.at);
    expect(requestsMentioning(model, 'burst three')).toHaveLength(1);
    expect(turnsOf(requestsEndingWith(model, 'burst two\nburst three')[0]!)).toEqual([
      { role: 'user', text: 'burst one' },
      { role: 'assistant', text: 'echo: burst one' },
      { role: 'user', text: 'burst two\nburst three' },
    ]);
    const rows = await server.app.database.db
      .selectFrom('inbound_messages')
      .select(['text', 'state', 'turn_id'])
      .where('tenant_id', '=', 'burst')
      .where('user_id', '=', user)
      .orderBy('id')
      .execute();
    expect(rows.map((row) => [row.text, row.state])).toEqual([
      ['burst one', 'processed'],
      ['burst two', 'processed'],
      ['burst three', 'processed'],
    ]);
    expect(rows[0]!.turn_id).not.toBe(rows[1]!.turn_id);
    expect(rows[1]!.turn_id).toBe(rows[2]!.turn_id);
  });

  it('sends a reply longer than 4096 characters as several texts, in order', async () => {
    const user = '5511900000501';
    await say(server, BURST, user, 'LONG-REPLY please');
    await waitForSendsTo(graph, user, 3);
    await settle();
    const texts = sendsTo(graph, user).map((send) => send.text ?? '');
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const text of texts) {
      expect(text.length).toBeGreaterThan(0);
      expect(text.length).toBeLessThanOrEqual(4096);
    }
    const flat = (text: string) => text.replace(/\s+/g, ' ').trim();
    expect(flat(texts.join(' '))).toBe(flat(LONG_REPLY));
  });

  it('escalates on keywords, accent- and case-insensitively and as whole words, without calling the model', async () => {
    // 1. Keyword with other accents and case: the built-in Portuguese text, the agent is told, no model call.
    const emergency = '5521900000001';
    await say(server, ESCALATE_PT, emergency, 'É uma EMERGENCIA');
    const userSends = await waitForSendsTo(graph, emergency, 1);
    expect(userSends[0]!.text).toBe(PT.escalationMessage);
    expect(PT.escalationMessage).not.toBe(textsFor('en').escalationMessage);
    const agentSends = await eventually(() => {
      const sends = sendsTo(graph, PT_AGENT).filter((send) => send.text?.includes(`+${emergency}`));
      return sends.length > 0 ? sends : null; // an empty array is truthy: wait for the notification itself
    }, 'the agent notification');
    expect(agentSends).toHaveLength(1);
    expect(agentSends![0]!.phoneNumberId).toBe(ESCALATE_PT);
    expect(agentSends![0]!.text).toContain('emergência');

    // 2. Words that only contain a keyword, or a phrase's words apart, go to the model.
    const lookalikes = [
      { user: '5521900000002', text: 'adorei' },
      { user: '5521900000003', text: 'agency' },
      { user: '5521900000004', text: 'recall medical' },
    ];
    for (const { user, text } of lookalikes) await say(server, ESCALATE_PT, user, text);
    for (const { user, text } of lookalikes) {
      const sends = await waitForSendsTo(graph, user, 1);
      expect(sends[0]!.text).toBe(`echo: ${text}`);
      expect(requestsEndingWith(model, text)).toHaveLength(1);
    }

    // 3. A phrase with punctuation around it escalates.
    const callMe = '5521900000005';
    await say(server, ESCALATE_PT, callMe, 'please call me.');
    expect((await waitForSendsTo(graph, callMe, 1))[0]!.text).toBe(PT.escalationMessage);
    await eventually(() => sendsTo(graph, PT_AGENT).find((send) => send.text?.includes(`+${callMe}`)), 'the agent notification for call me');

    await settle();
    expect(requestsMentioning(model, 'EMERGENCIA')).toHaveLength(0);
    expect(requestsMentioning(model, 'please call me')).toHaveLength(0);
    for (const user of [emergency, callMe]) expect(sendsTo(graph, user)).toHaveLength(1);
    expect((await conversationOf(server, 'escalate-pt', emergency)).mode).toBe('human');
    expect((await conversationOf(server, 'escalate-pt', '5521900000003')).mode).toBe('bot');
    const escalations = await server.app.database.db
      .selectFrom('escalations')
      .select(['user_id', 'kind', 'trigger'])
      .where('tenant_id', '=', 'escalate-pt')
      .orderBy('id')
      .execute();
    expect(escalations).toEqual([
      { user_id: emergency, kind: 'keyword', trigger: 'emergência' },
      { user_id: callMe, kind: 'keyword', trigger: 'call me' },
    ]);
  });

  it("tells the user the tenant's own escalation message when one is set", async () => {
    const user = '5521900000006';
    await say(server, ESCALATE_CUSTOM, user, 'emergência!');
    expect((await waitForSendsTo(graph, user, 1))[0]!.text).toBe(CUSTOM_ESCALATION);
    await eventually(() => sendsTo(graph, CUSTOM_AGENT).find((send) => send.text?.includes(`+${user}`)), 'the agent notification');
    expect(requestsMentioning(model, 'emergência!')).toHaveLength(0);
  });

  it("notifies an agent who never wrote with the template, and one who wrote today with text; the agent's own messages get no answer", async () => {
    // 1. Agent window closed: the approved template.
    const first = '5531900000001';
    await say(server, TEMPLATE_CLOSED, first, 'I want an agent');
    await waitForSendsTo(graph, first, 1);
    const [template] = await waitForSendsTo(graph, CLOSED_AGENT, 1);
    expect(template!.phoneNumberId).toBe(TEMPLATE_CLOSED);
    expect(template!.body.type).toBe('template');
    expect(template!.body['template']).toMatchObject({ name: 'agent_alert', language: { code: 'pt_BR' } });
    expect(JSON.stringify(template!.body['template'])).toContain(`+${first}`);

    // 2. The other tenant's agent writes to the business number: stored, not answered.
    const requestsBefore = model.requests.length;
    await say(server, TEMPLATE_OPEN, OPEN_AGENT, 'agent here, ready to help');
    await eventually(async () => {
      const row = await server.app.database.db
        .selectFrom('inbound_messages')
        .select('state')
        .where('tenant_id', '=', 'template-open')
        .where('user_id', '=', OPEN_AGENT)
        .executeTakeFirst();
      return row?.state === 'held';
    }, "the agent's message stored as held");
    await settle();
    expect(sendsTo(graph, OPEN_AGENT)).toHaveLength(0);
    expect(model.requests.length).toBe(requestsBefore);

    // 3. Agent window open: a text notification, even though a template is configured.
    const second = '5531900000002';
    await say(server, TEMPLATE_OPEN, second, 'I want an agent');
    await waitForSendsTo(graph, second, 1);
    const [text] = await waitForSendsTo(graph, OPEN_AGENT, 1);
    expect(text!.phoneNumberId).toBe(TEMPLATE_OPEN);
    expect(text!.body.type).toBe('text');
    expect(text!.text).toContain(`+${second}`);
  });

  it('keeps the bot silent for an escalated user, answers the others, and resumes when an admin releases', async () => {
    const escalated = '5541900000001';
    const other = '5541900000002';
    // 1. Escalate.
    await say(server, HANDOFF, escalated, 'get me an agent');
    expect((await waitForSendsTo(graph, escalated, 1))[0]!.text).toBe(textsFor('en').escalationMessage);
    await waitForSendsTo(graph, HANDOFF_AGENT, 1);

    // 2. Human mode: the escalated user is not answered, another user of the same tenant is.
    await say(server, HANDOFF, escalated, 'hello? anyone there');
    await say(server, HANDOFF, other, 'hi from the other user');
    expect((await waitForSendsTo(graph, other, 1))[0]!.text).toBe('echo: hi from the other user');
    await settle();
    expect(sendsTo(graph, escalated)).toHaveLength(1);
    expect(requestsMentioning(model, 'anyone there')).toHaveLength(0);
    const held = await server.app.database.db
      .selectFrom('inbound_messages')
      .select('state')
      .where('tenant_id', '=', 'handoff')
      .where('text', '=', 'hello? anyone there')
      .executeTakeFirst();
    expect(held?.state).toBe('held');

    // 3. Release needs the admin token.
    const releasePath = `/admin/tenants/handoff/conversations/${escalated}/release`;
    expect((await server.admin('POST', releasePath, null)).status).toBe(401);
    expect((await server.admin('POST', releasePath, 'wrong-token-0123456789')).status).toBe(401);
    expect((await conversationOf(server, 'handoff', escalated)).mode).toBe('human');
    const released = await server.admin('POST', releasePath);
    expect(released.status).toBe(200);
    expect(released.json).toMatchObject({ mode: 'bot', changed: true });

    // 4. The bot answers again.
    await say(server, HANDOFF, escalated, 'back again');
    expect((await waitForSendsTo(graph, escalated, 2))[1]!.text).toBe('echo: back again');

    // 5. An admin takes over the other conversation: it is listed as human and the bot stays silent.
    const takeover = await server.admin('POST', `/admin/tenants/handoff/conversations/${other}/takeover`);
    expect(takeover.status).toBe(200);
    expect(takeover.json).toMatchObject({ mode: 'human', changed: true });
    expect((await server.admin('GET', '/admin/conversations?mode=human', null)).status).toBe(401);
    const listed = await server.admin('GET', '/admin/conversations?mode=human');
    expect(listed.status).toBe(200);
    const humans = (listed.json.conversations as Array<{ tenantId: string; userId: string; mode: string }>).filter(
      (conversation) => conversation.tenantId === 'handoff',
    );
    expect(humans.map((conversation) => conversation.userId)).toEqual([other]);
    expect(humans[0]!.mode).toBe('human');
    await say(server, HANDOFF, other, 'still there?');
    await settle();
    expect(sendsTo(graph, other)).toHaveLength(1);
    expect(requestsMentioning(model, 'still there?')).toHaveLength(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('time moved by a manual clock', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;
  const clock = new ManualClock();

  const TTL = '3100000001';
  const DEBOUNCE = '3100000002';
  const RELEASE = '3100000003';

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel();
    const modelUrl = model.url;
    server = await startSwitchboard({
      graphUrl: graph.url,
      clock,
      tenants: [
        tenant({ id: 'ttl', phoneNumberId: TTL, modelUrl, keywords: [], memory: { ttl: '1h' } }),
        tenant({ id: 'debounce', phoneNumberId: DEBOUNCE, modelUrl, keywords: [], debounceMs: 300 }),
        tenant({ id: 'release', phoneNumberId: RELEASE, modelUrl, notify: '+5511999990004', escalation: { release_after: '1h' } }),
      ],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await graph?.close();
    await model?.close();
  });

  it('forgets the earlier conversation after the memory ttl', async () => {
    const user = '5551900000001';
    await say(server, TTL, user, 'before the break');
    await waitForSendsTo(graph, user, 1);
    await waitUntilIdle(server);
    // Within the ttl the memory is kept...
    clock.advance(HOUR / 2);
    await say(server, TTL, user, 'half an hour later');
    await waitForSendsTo(graph, user, 2);
    expect(turnsOf(await waitForRequest(model, 'half an hour later')).map((entry) => entry.text)).toEqual([
      'before the break',
      'echo: before the break',
      'half an hour later',
    ]);
    await waitUntilIdle(server);
    // ...after two idle hours it is gone.
    clock.advance(2 * HOUR);
    await say(server, TTL, user, 'two hours later');
    expect((await waitForSendsTo(graph, user, 3))[2]!.text).toBe('echo: two hours later');
    expect(turnsOf(await waitForRequest(model, 'two hours later'))).toEqual([{ role: 'user', text: 'two hours later' }]);
  });

  it('answers a burst within debounce_ms with one model request and one reply', async () => {
    const user = '5551900000002';
    await say(server, DEBOUNCE, user, 'debounce first');
    await say(server, DEBOUNCE, user, 'debounce second');
    // The turn waits for debounce_ms of quiet, measured on the clock.
    await settle();
    expect(requestsMentioning(model, 'debounce')).toHaveLength(0);
    clock.advance(300);
    const [reply] = await waitForSendsTo(graph, user, 1);
    expect(reply!.text).toBe('echo: debounce first\ndebounce second');
    await settle();
    expect(sendsTo(graph, user)).toHaveLength(1);
    const requests = requestsMentioning(model, 'debounce');
    expect(requests).toHaveLength(1);
    expect(turnsOf(requests[0]!)).toEqual([{ role: 'user', text: 'debounce first\ndebounce second' }]);
  });

  it('gives the conversation back to the bot after release_after of silence', async () => {
    const user = '5551900000003';
    await say(server, RELEASE, user, 'I need an agent');
    await waitForSendsTo(graph, user, 1);
    await waitForSendsTo(graph, '5511999990004', 1);
    expect((await conversationOf(server, 'release', user)).mode).toBe('human');
    await waitUntilIdle(server);
    clock.advance(2 * HOUR);
    await eventually(async () => (await conversationOf(server, 'release', user)).mode === 'bot', 'the automatic release');
    expect((await conversationOf(server, 'release', user)).modeReason).toBe('idle_release');
    await say(server, RELEASE, user, 'hello again');
    expect((await waitForSendsTo(graph, user, 2))[1]!.text).toBe('echo: hello again');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('when the model fails', () => {
  let graph: FakeGraph;
  let model: FakeModel;
  let server: RunningSwitchboard;

  const FAIL_PT = '3200000001';
  const FAIL_CUSTOM = '3200000002';
  const FAIL_SLOW = '3200000003';
  const NO_KEY = '3200000004';
  const AGENT = '5511999990005';
  const CUSTOM_FALLBACK = 'Estamos com um problema técnico; já chamamos alguém da equipe.';

  beforeAll(async () => {
    graph = await startFakeGraph();
    model = await startFakeModel();
    const modelUrl = model.url;
    const noKey = tenant({ id: 'no-key', phoneNumberId: NO_KEY, modelUrl, language: 'es', notify: `+${AGENT}` });
    const noKeyAi: Record<string, unknown> = { ...(noKey['ai'] as Record<string, unknown>), provider: 'openai', model: 'gpt-4o-mini' };
    delete noKeyAi['base_url'];
    delete noKeyAi['api_key'];
    server = await startSwitchboard({
      graphUrl: graph.url,
      env: { OPENAI_API_KEY: '' },
      tenants: [
        tenant({ id: 'fail-pt', phoneNumberId: FAIL_PT, modelUrl, language: 'pt', notify: `+${AGENT}` }),
        tenant({ id: 'fail-custom', phoneNumberId: FAIL_CUSTOM, modelUrl, language: 'pt', notify: `+${AGENT}`, ai: { fallback_message: CUSTOM_FALLBACK } }),
        tenant({ id: 'fail-slow', phoneNumberId: FAIL_SLOW, modelUrl, language: 'pt', notify: `+${AGENT}`, ai: { timeout: '1s' } }),
        { ...noKey, ai: noKeyAi },
      ],
    });
  });
  afterAll(async () => {
    await server?.stop();
    await graph?.close();
    await model?.close();
  });

  async function expectFallback(tenantId: string, user: string, expected: string): Promise<void> {
    const [fallback] = await waitForSendsTo(graph, user, 1, 15_000);
    expect(fallback!.text).toBe(expected);
    const notice = await eventually(() => sendsTo(graph, AGENT).find((send) => send.text?.includes(`+${user}`)), `the agent notification for ${user}`, 10_000);
    expect(notice!.body.type).toBe('text');
    expect((await conversationOf(server, tenantId, user)).mode).toBe('human');
    const escalation = await server.app.database.db
      .selectFrom('escalations')
      .select(['kind'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', user)
      .executeTakeFirst();
    expect(escalation?.kind).toBe('model_error');
    await settle();
    expect(sendsTo(graph, user)).toHaveLength(1);
  }

  it('sends the built-in fallback in the tenant language, notifies the agent and hands over when the model answers 500', async () => {
    const user = '5561900000001';
    // The AI SDK retries once: both attempts fail.
    model.failNext(2, 500);
    await say(server, FAIL_PT, user, 'preciso de ajuda');
    await expectFallback('fail-pt', user, PT.fallbackMessage);
    expect(PT.fallbackMessage).not.toBe(textsFor('en').fallbackMessage);
    expect(requestsEndingWith(model, 'preciso de ajuda')).toHaveLength(2);
  });

  it("sends the tenant's own fallback_message when one is set", async () => {
    const user = '5561900000002';
    model.failNext(2, 500);
    await say(server, FAIL_CUSTOM, user, 'quero um orçamento');
    await expectFallback('fail-custom', user, CUSTOM_FALLBACK);
    expect(requestsEndingWith(model, 'quero um orçamento')).toHaveLength(2);
  });

  it('treats a model that hangs past ai.timeout like a failed one', async () => {
    const user = '5561900000003';
    model.hang(true);
    try {
      await say(server, FAIL_SLOW, user, 'vocês abrem hoje?');
      await expectFallback('fail-slow', user, PT.fallbackMessage);
      expect(requestsEndingWith(model, 'vocês abrem hoje?').length).toBeGreaterThanOrEqual(1);
    } finally {
      model.hang(false);
    }
  });

  it('keeps serving with a tenant whose provider has no credentials, and gives its users the fallback', async () => {
    const tenants = await server.admin('GET', '/admin/tenants');
    expect(tenants.status).toBe(200);
    const noKey = (tenants.json.tenants as Array<{ id: string; problems: string[] }>).find((entry) => entry.id === 'no-key');
    expect(noKey?.problems.join('\n')).toMatch(/OpenAI key/);
    const others = (tenants.json.tenants as Array<{ id: string; problems: string[] }>).filter((entry) => entry.id !== 'no-key');
    for (const other of others) expect(other.problems).toEqual([]);

    const user = '5561900000004';
    const requestsBefore = model.requests.length;
    await say(server, NO_KEY, user, 'hola, tienen stock?');
    await expectFallback('no-key', user, textsFor('es').fallbackMessage);
    expect(model.requests.length).toBe(requestsBefore);

    // The other tenants still get answers.
    const healthy = '5561900000005';
    await say(server, FAIL_PT, healthy, 'tudo bem?');
    expect((await waitForSendsTo(graph, healthy, 1))[0]!.text).toBe('echo: tudo bem?');
  });
});
