// End to end: follow-ups as durable delayed jobs that respect WhatsApp's 24-hour window and the
// tenant's quiet hours, on the real server with a moved clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGraph, type FakeGraph, type RecordedSend } from '../helpers/fake-graph.js';
import { lastUserText, startFakeModel, type ChatRequest, type FakeModel, type ModelReply, type ToolCallReply } from '../helpers/fake-model.js';
import { eventually, ManualClock, settle, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { textMessage } from '../helpers/webhooks.js';

const HOUR = 3_600_000;
/** Local São Paulo time (UTC-3, no DST) as Unix ms. */
const saoPaulo = (day: number, hour: number, minute = 0) => Date.UTC(2026, 11, day, hour + 3, minute);

let graph: FakeGraph;
let model: FakeModel;
let script: Record<string, ToolCallReply[]> = {};

beforeAll(async () => {
  graph = await startFakeGraph();
  model = await startFakeModel({
    reply: (request: ChatRequest): ModelReply | string => {
      if (request.messages.at(-1)?.role === 'tool') return { content: `result: ${String(request.messages.at(-1)!.content)}` };
      const calls = script[lastUserText(request)];
      return calls ? { toolCalls: calls } : `echo: ${lastUserText(request)}`;
    },
  });
});
afterAll(async () => {
  await Promise.all([graph.close(), model.close()]);
});

const postCare = [
  {
    id: 'post_care_24h',
    trigger: 'appointment_completed',
    delay: '24h',
    text: 'Oi {name}! Como você está depois da consulta de {date}?',
    template: { name: 'post_care_24h', language: 'pt_BR', parameters: ['{name}', '{date}'] },
  },
  {
    id: 'post_care_72h',
    trigger: 'appointment_completed',
    delay: '72h',
    text: 'Oi {name}, passando para saber se está tudo bem, três dias depois.',
    template: { name: 'post_care_72h', language: 'pt_BR', parameters: ['{name}'] },
  },
];

function clinic(id: string, phoneNumberId: string, extra: Record<string, unknown> = {}) {
  return tenantFile({
    id,
    phoneNumberId,
    modelUrl: model.url,
    language: 'pt',
    keywords: ['urgência'],
    extra: {
      timezone: 'America/Sao_Paulo',
      tools: ['book_appointment', 'reschedule_appointment', 'cancel_appointment'],
      calendar: { slot_minutes: 30, hours: { mon: '09:00-18:00', tue: '09:00-18:00', wed: '09:00-18:00' }, min_notice: '1h' },
      follow_ups: postCare,
      quiet_hours: '21:00-08:00',
      ...extra,
    },
  });
}

describe('follow-ups', () => {
  let server: RunningSwitchboard | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function say(phoneNumberId: string, from: string, text: string): Promise<void> {
    expect((await server!.post(textMessage({ phoneNumberId, from, text, name: 'Ana' }))).status).toBe(200);
  }
  const sendsTo = (user: string): RecordedSend[] => graph.sends.filter((send) => send.to === `+${user}`);
  async function nthSend(user: string, count: number): Promise<RecordedSend> {
    const sends = await eventually(() => (sendsTo(user).length >= count ? sendsTo(user) : null), `${count} sends to ${user}`, 10_000);
    return sends![count - 1]!;
  }
  /** Moves the clock to `at` and lets the worker run what became due. */
  async function moveTo(clock: ManualClock, at: number): Promise<void> {
    clock.advance(at - clock.now());
    server!.app.worker?.wake();
    await settle(300);
  }
  async function followUps(tenantId: string) {
    return (await server!.admin('GET', `/admin/tenants/${tenantId}/follow-ups`)).json as {
      scheduled: Array<{ key: string; dueAt: number; ruleId: string; subjectId: string }>;
      history: Array<{ ruleId: string; status: string; via: string | null; reason: string | null }>;
    };
  }

  /** Books Tuesday 2026-12-01 10:00 local for `user` (hold, then "sim"). */
  async function book(phoneNumberId: string, user: string, start = '2026-12-01T10:00'): Promise<void> {
    script = { [`marcar ${start}`]: [{ name: 'book_appointment', arguments: { start } }], [`sim ${start}`]: [{ name: 'book_appointment', arguments: { start, confirmed: true } }] };
    const before = sendsTo(user).length;
    await say(phoneNumberId, user, `marcar ${start}`);
    await nthSend(user, before + 1);
    await say(phoneNumberId, user, `sim ${start}`);
    expect((await nthSend(user, before + 2)).text).toContain('"status":"confirmed"');
  }

  it('sends the 24 h post-care message as text and the 72 h one as a template when the user did not write in between', async () => {
    const clock = new ManualClock(saoPaulo(1, 8)); // Tuesday 08:00
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-clinic', '403000000000001')] });
    const user = '5511930000001';
    await book('403000000000001', user);
    const scheduled = (await followUps('fu-clinic')).scheduled;
    expect(scheduled.map((job) => [job.ruleId, job.dueAt])).toEqual([
      ['post_care_24h', saoPaulo(2, 10, 30)],
      ['post_care_72h', saoPaulo(4, 10, 30)],
    ]);

    // 1. After the visit the patient writes; the bot answers.
    await moveTo(clock, saoPaulo(1, 11));
    await say('403000000000001', user, 'obrigada, foi ótimo');
    await nthSend(user, 3);

    // 2. 24 h after the appointment's end: inside the 24-hour window → text.
    await moveTo(clock, saoPaulo(2, 10, 29));
    expect(sendsTo(user)).toHaveLength(3);
    await moveTo(clock, saoPaulo(2, 10, 30));
    const first = await nthSend(user, 4);
    expect(first.body).toMatchObject({ type: 'text' });
    expect(first.text).toMatch(/^Oi Ana! Como você está depois da consulta de 1 de dez/);

    // 3. 72 h: the patient has not written since Tuesday 11:00 → the approved template.
    await moveTo(clock, saoPaulo(4, 10, 30));
    const second = await nthSend(user, 5);
    expect(second.body).toMatchObject({
      type: 'template',
      template: { name: 'post_care_72h', language: { code: 'pt_BR' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] },
    });
    await settle();
    expect(sendsTo(user)).toHaveLength(5);
    const history = (await followUps('fu-clinic')).history;
    expect(history.map((entry) => [entry.ruleId, entry.status, entry.via])).toEqual([
      ['post_care_72h', 'sent', 'template'],
      ['post_care_24h', 'sent', 'text'],
    ]);
    expect((await followUps('fu-clinic')).scheduled).toHaveLength(0);
  });

  it('sends text again when the user answered after the first follow-up, in the same conversation', async () => {
    const clock = new ManualClock(saoPaulo(1, 8));
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-reply', '403000000000002')] });
    const user = '5511930000002';
    await book('403000000000002', user);
    // No message after booking: the 24 h follow-up (Wednesday 10:30) is outside the window → template.
    await moveTo(clock, saoPaulo(2, 10, 30));
    expect((await nthSend(user, 3)).body).toMatchObject({ type: 'template', template: { name: 'post_care_24h' } });

    // The patient answers the template on Thursday; the model sees the follow-up in the conversation.
    await moveTo(clock, saoPaulo(3, 12));
    await say('403000000000002', user, 'estou bem, obrigada');
    await nthSend(user, 4);
    const request = model.requests.find((candidate) => lastUserText(candidate) === 'estou bem, obrigada')!;
    expect(request.body.messages.some((message) => message.role === 'assistant' && String(message.content).startsWith('Oi Ana! Como você está'))).toBe(true);

    // Friday 10:30 is within 24 h of Thursday 12:00 → text.
    await moveTo(clock, saoPaulo(4, 10, 30));
    const later = await nthSend(user, 5);
    expect(later.body).toMatchObject({ type: 'text' });
    expect(later.text).toBe('Oi Ana, passando para saber se está tudo bem, três dias depois.');
  });

  it('moves the follow-ups of a rescheduled appointment and drops those of a cancelled one', async () => {
    const clock = new ManualClock(saoPaulo(1, 8));
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-move', '403000000000003')] });
    const user = '5511930000003';
    await book('403000000000003', user);
    const before = (await followUps('fu-move')).scheduled;
    expect(before).toHaveLength(2);

    script = {
      'mudar para 15h': [{ name: 'reschedule_appointment', arguments: { new_start: '2026-12-01T15:00' } }],
      'sim, 15h': [{ name: 'reschedule_appointment', arguments: { new_start: '2026-12-01T15:00', confirmed: true } }],
      cancelar: [{ name: 'cancel_appointment', arguments: {} }],
    };
    await say('403000000000003', user, 'mudar para 15h');
    await nthSend(user, 3);
    await say('403000000000003', user, 'sim, 15h');
    expect((await nthSend(user, 4)).text).toContain('"status":"confirmed"');
    const moved = (await followUps('fu-move')).scheduled;
    expect(moved.map((job) => [job.ruleId, job.dueAt])).toEqual([
      ['post_care_24h', saoPaulo(2, 15, 30)],
      ['post_care_72h', saoPaulo(4, 15, 30)],
    ]);
    expect(moved.every((job) => !before.some((old) => old.key === job.key))).toBe(true);

    await say('403000000000003', user, 'cancelar');
    expect((await nthSend(user, 5)).text).toContain('"status":"cancelled"');
    expect((await followUps('fu-move')).scheduled).toHaveLength(0);
    await moveTo(clock, saoPaulo(5, 12));
    expect(sendsTo(user)).toHaveLength(5);
  });

  it('holds a follow-up due at 23:00 until 08:00', async () => {
    const clock = new ManualClock(saoPaulo(1, 21, 30));
    const idle = [{ id: 'nudge', trigger: 'conversation_idle', delay: '90m', text: 'Ainda quer marcar, {name}?' }];
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-quiet', '403000000000004', { follow_ups: idle })] });
    const user = '5511930000004';
    await say('403000000000004', user, 'oi');
    await nthSend(user, 1);
    // Due at 23:00, inside the quiet hours: scheduled for 08:00.
    expect((await followUps('fu-quiet')).scheduled.map((job) => job.dueAt)).toEqual([saoPaulo(2, 8)]);
    await moveTo(clock, saoPaulo(2, 7, 59));
    expect(sendsTo(user)).toHaveLength(1);
    await moveTo(clock, saoPaulo(2, 8));
    expect((await nthSend(user, 2)).text).toBe('Ainda quer marcar, Ana?');
  });

  it('records a follow-up as skipped when the window is closed and no template is configured, and cancels one on request', async () => {
    const clock = new ManualClock(saoPaulo(1, 10));
    const rules = [
      { id: 'late_nudge', trigger: 'conversation_idle', delay: '2d', text: 'Ainda por aí?' },
      { id: 'early_nudge', trigger: 'conversation_idle', delay: '1h', text: 'Posso ajudar em algo mais?' },
    ];
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-skip', '403000000000005', { follow_ups: rules })] });
    const user = '5511930000005';
    await say('403000000000005', user, 'oi');
    await nthSend(user, 1);
    const { scheduled } = await followUps('fu-skip');
    const early = scheduled.find((job) => job.ruleId === 'early_nudge')!;
    const cancelled = await server.admin('POST', `/admin/tenants/fu-skip/follow-ups/${encodeURIComponent(early.key)}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, json: { cancelled: true } });
    expect((await server.admin('POST', `/admin/tenants/fu-skip/follow-ups/${encodeURIComponent(early.key)}/cancel`)).status).toBe(404);

    await moveTo(clock, saoPaulo(3, 11));
    await settle();
    expect(sendsTo(user)).toHaveLength(1);
    const history = (await followUps('fu-skip')).history;
    expect(history.map((entry) => [entry.ruleId, entry.status, entry.reason])).toEqual([
      ['late_nudge', 'skipped', 'window_closed_no_template'],
      ['early_nudge', 'cancelled', 'cancelled_by_admin'],
    ]);
  });

  it('does not nudge a user who wrote again before the idle time passed', async () => {
    const clock = new ManualClock(saoPaulo(1, 10));
    const rules = [{ id: 'nudge', trigger: 'conversation_idle', delay: '2h', text: 'Ainda por aí?' }];
    server = await startSwitchboard({ graphUrl: graph.url, clock, tenants: [clinic('fu-idle', '403000000000006', { follow_ups: rules })] });
    const user = '5511930000006';
    await say('403000000000006', user, 'oi');
    await nthSend(user, 1);
    await moveTo(clock, saoPaulo(1, 11, 30));
    await say('403000000000006', user, 'ainda estou pensando');
    await nthSend(user, 2);
    expect((await followUps('fu-idle')).scheduled.map((job) => job.dueAt)).toEqual([saoPaulo(1, 13, 30)]);
    await moveTo(clock, saoPaulo(1, 12, 5));
    expect(sendsTo(user)).toHaveLength(2);
    await moveTo(clock, saoPaulo(1, 13, 30));
    expect((await nthSend(user, 3)).text).toBe('Ainda por aí?');
  });
});
