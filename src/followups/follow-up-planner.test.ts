import { describe, expect, it } from 'vitest';
import type { FollowUpRule, FollowUpTrigger } from '../config/index.js';
import { followUpKey, FollowUpPlanner, type FollowUpPayload } from './follow-up-planner.js';

const HOUR = 3_600_000;
const SAO_PAULO = 'America/Sao_Paulo'; // UTC-3 all year
/** Local São Paulo time on a day of June 2026 as Unix ms. */
const saoPaulo = (day: number, hour: number, minute = 0) => Date.UTC(2026, 5, day, hour + 3, minute);

const rule = (id: string, trigger: FollowUpTrigger, delay: string): FollowUpRule => ({ id, trigger, delay, text: `text of ${id}` });

/** One rule per trigger, two for appointment_completed. */
const rules: FollowUpRule[] = [
  rule('reminder', 'appointment_booked', '1h'),
  rule('care_24h', 'appointment_completed', '24h'),
  rule('care_72h', 'appointment_completed', '72h'),
  rule('thanks', 'order_confirmed', '30m'),
  rule('review', 'order_delivered', '2d'),
  rule('welcome', 'lead_captured', '10m'),
  rule('nudge', 'conversation_idle', '90m'),
];

const planner = (quietHours?: string) => new FollowUpPlanner('tenant-a', rules, quietHours, SAO_PAULO);

describe('FollowUpPlanner.jobs', () => {
  const anchorAt = saoPaulo(10, 10); // Wednesday 10:00 local
  const subject = { userId: '5511900000001', subjectId: 'appt-1', anchorAt };

  it.each([
    ['appointment_booked', ['reminder']],
    ['appointment_completed', ['care_24h', 'care_72h']],
    ['order_confirmed', ['thanks']],
    ['order_delivered', ['review']],
    ['lead_captured', ['welcome']],
    ['conversation_idle', ['nudge']],
  ] as Array<[FollowUpTrigger, string[]]>)('%s starts only its own rules', (trigger, ruleIds) => {
    const jobs = planner().jobs(trigger, subject, anchorAt);
    expect(jobs.map((job) => job.payload['ruleId'])).toEqual(ruleIds);
    for (const job of jobs) {
      expect(job.name).toBe('followup.send');
      expect(job.tenantId).toBe('tenant-a');
      expect(job.payload['trigger']).toBe(trigger);
    }
  });

  it('starts nothing for a trigger without rules', () => {
    const only = new FollowUpPlanner('tenant-a', [rule('nudge', 'conversation_idle', '1h')], undefined, SAO_PAULO);
    expect(only.jobs('order_delivered', subject, anchorAt)).toEqual([]);
    expect(only.has('order_delivered')).toBe(false);
    expect(only.has('conversation_idle')).toBe(true);
  });

  it('makes one job per tenant, rule and subject, due delay after the anchor, with the payload the job needs', () => {
    const jobs = planner('21:00-08:00').jobs('appointment_completed', subject, anchorAt);
    expect(jobs).toEqual([
      {
        name: 'followup.send',
        tenantId: 'tenant-a',
        key: 'followup:tenant-a:care_24h:appt-1',
        payload: { tenantId: 'tenant-a', userId: '5511900000001', ruleId: 'care_24h', trigger: 'appointment_completed', subjectId: 'appt-1', anchorAt } satisfies FollowUpPayload,
        runAt: anchorAt + 24 * HOUR,
        onExisting: 'replace',
      },
      {
        name: 'followup.send',
        tenantId: 'tenant-a',
        key: 'followup:tenant-a:care_72h:appt-1',
        payload: { tenantId: 'tenant-a', userId: '5511900000001', ruleId: 'care_72h', trigger: 'appointment_completed', subjectId: 'appt-1', anchorAt } satisfies FollowUpPayload,
        runAt: anchorAt + 72 * HOUR,
        onExisting: 'replace',
      },
    ]);
    expect(followUpKey('tenant-a', 'care_24h', 'appt-1')).toBe('followup:tenant-a:care_24h:appt-1');
  });

  it('moves a follow-up due in the quiet hours to their end', () => {
    // Anchored at 20:00: the 90-minute nudge falls at 21:30, inside "21:00-08:00" → 08:00 the next day.
    const lateAnchor = saoPaulo(10, 20);
    const [nudge] = planner('21:00-08:00').jobs('conversation_idle', { userId: 'u', subjectId: 'u', anchorAt: lateAnchor }, lateAnchor);
    expect(nudge!.runAt).toBe(saoPaulo(11, 8));
    // The same rule without quiet hours is due at 21:30.
    expect(planner().jobs('conversation_idle', { userId: 'u', subjectId: 'u', anchorAt: lateAnchor }, lateAnchor)[0]!.runAt).toBe(saoPaulo(10, 21, 30));
  });

  it('never schedules before now: an anchor long past makes the job due now, or at the end of quiet hours', () => {
    // The appointment ended five days ago (a late "delivered" from the ERP, a restart...).
    const oldAnchor = saoPaulo(5, 10);
    const now = saoPaulo(10, 15);
    const [reminder] = planner('21:00-08:00').jobs('appointment_booked', { ...subject, anchorAt: oldAnchor }, now);
    expect(reminder!.runAt).toBe(now);
    expect(reminder!.payload['anchorAt']).toBe(oldAnchor); // the payload keeps what it was anchored to

    const nightNow = saoPaulo(10, 23);
    expect(planner('21:00-08:00').jobs('appointment_booked', { ...subject, anchorAt: oldAnchor }, nightNow)[0]!.runAt).toBe(saoPaulo(11, 8));
    expect(planner().jobs('appointment_booked', { ...subject, anchorAt: oldAnchor }, nightNow)[0]!.runAt).toBe(nightNow);
  });

  it('keeps an existing lead follow-up and replaces the others', () => {
    const onExisting = (trigger: FollowUpTrigger) => planner().jobs(trigger, subject, anchorAt).map((job) => job.onExisting);
    expect(onExisting('lead_captured')).toEqual(['keep']);
    expect(onExisting('appointment_booked')).toEqual(['replace']);
    expect(onExisting('appointment_completed')).toEqual(['replace', 'replace']);
    expect(onExisting('order_confirmed')).toEqual(['replace']);
    expect(onExisting('order_delivered')).toEqual(['replace']);
    expect(onExisting('conversation_idle')).toEqual(['replace']);
  });

  it('refuses a rule whose delay is not a duration', () => {
    expect(() => new FollowUpPlanner('tenant-a', [rule('bad', 'conversation_idle', 'soon')], undefined, SAO_PAULO)).toThrow(/"soon" is not a duration/);
  });
});

describe('FollowUpPlanner.keys', () => {
  it('lists the keys of the rules of the given triggers for one subject, and nothing else', () => {
    expect(planner().keys(['appointment_booked', 'appointment_completed'], 'appt-9')).toEqual([
      'followup:tenant-a:reminder:appt-9',
      'followup:tenant-a:care_24h:appt-9',
      'followup:tenant-a:care_72h:appt-9',
    ]);
    expect(planner().keys(['order_confirmed', 'order_delivered'], 'order-3')).toEqual(['followup:tenant-a:thanks:order-3', 'followup:tenant-a:review:order-3']);
    expect(planner().keys([], 'appt-9')).toEqual([]);
  });

  it('matches the keys jobs() schedules, so a cancel finds them', () => {
    const subject = { userId: 'u', subjectId: 'appt-9', anchorAt: saoPaulo(10, 10) };
    const scheduled = [...planner().jobs('appointment_booked', subject, subject.anchorAt), ...planner().jobs('appointment_completed', subject, subject.anchorAt)].map((job) => job.key);
    expect(planner().keys(['appointment_booked', 'appointment_completed'], 'appt-9')).toEqual(scheduled);
  });
});

describe('FollowUpPlanner.occurrence', () => {
  const payload = (trigger: FollowUpTrigger, anchorAt: number) => ({ tenantId: 'tenant-a', ruleId: 'rule', subjectId: 'subject-1', trigger, anchorAt });
  const triggers: FollowUpTrigger[] = ['appointment_booked', 'appointment_completed', 'order_confirmed', 'order_delivered', 'conversation_idle'];

  it.each(triggers)('%s: differs per anchor, so a rescheduled or renewed follow-up is a new occurrence', (trigger) => {
    const first = FollowUpPlanner.occurrence(payload(trigger, 1_000));
    const second = FollowUpPlanner.occurrence(payload(trigger, 2_000));
    expect(first).not.toBe(second);
    expect(first).toBe('followup:tenant-a:rule:subject-1@1000');
    expect(FollowUpPlanner.occurrence(payload(trigger, 1_000))).toBe(first);
  });

  it('lead_captured: the same for every anchor, so a lead is followed up once', () => {
    expect(FollowUpPlanner.occurrence(payload('lead_captured', 1_000))).toBe('followup:tenant-a:rule:subject-1@once');
    expect(FollowUpPlanner.occurrence(payload('lead_captured', 2_000))).toBe('followup:tenant-a:rule:subject-1@once');
  });

  it('differs per tenant, rule and subject', () => {
    const base = payload('conversation_idle', 1_000);
    const all = [base, { ...base, tenantId: 'tenant-b' }, { ...base, ruleId: 'other' }, { ...base, subjectId: 'subject-2' }].map((candidate) => FollowUpPlanner.occurrence(candidate));
    expect(new Set(all).size).toBe(4);
  });
});
