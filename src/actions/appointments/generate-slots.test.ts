import { describe, expect, it } from 'vitest';
import { checkSlot, generateSlots, type Slot } from './generate-slots.js';
import type { OpeningHours } from './opening-hours.js';

const hourMs = 3_600_000;
const minuteMs = 60_000;

/** An instant written as a São Paulo wall time (UTC-3 all year, no DST since 2019). */
function saoPaulo(localTime: string): number {
  return Date.parse(`${localTime}:00-03:00`);
}

/** Wall times of slots in São Paulo, so failures read like a calendar. */
function wallTimes(slots: Slot[]): string[] {
  return slots.map((slot) => new Date(slot.start - 3 * hourMs).toISOString().slice(0, 16));
}

// Monday 30 November 2026, 08:00 in São Paulo; 1 December 2026 is a Tuesday.
const mondayMorning = saoPaulo('2026-11-30T08:00');

const clinic: OpeningHours = {
  timezone: 'America/Sao_Paulo',
  slotMinutes: 30,
  week: { 1: [{ from: 540, to: 1080 }], 2: [{ from: 540, to: 1080 }], 3: [{ from: 540, to: 1080 }], 6: [{ from: 480, to: 780 }] },
  breaks: [{ from: 720, to: 780 }],
  closedDates: [],
  horizonDays: 30,
  minNoticeMs: 0,
};

function oneDay(date: string, hours: OpeningHours = clinic, taken: ReadonlySet<number> = new Set()): Slot[] {
  return generateSlots(hours, { now: mondayMorning, fromDate: date, toDate: date, limit: 100, taken });
}

describe('generateSlots', () => {
  it('offers 16 half-hour slots on a 09:00-18:00 Tuesday with a 12:00-13:00 lunch', () => {
    const slots = oneDay('2026-12-01');
    expect(slots).toHaveLength(16);
    expect(slots[0]).toEqual({ start: saoPaulo('2026-12-01T09:00'), end: saoPaulo('2026-12-01T09:30') });
    expect(slots.at(-1)).toEqual({ start: saoPaulo('2026-12-01T17:30'), end: saoPaulo('2026-12-01T18:00') });
    expect(wallTimes(slots)).not.toContain('2026-12-01T12:00');
    expect(wallTimes(slots)).not.toContain('2026-12-01T12:30');
    expect(wallTimes(slots)).toContain('2026-12-01T11:30');
    expect(wallTimes(slots)).toContain('2026-12-01T13:00');
  });

  it('offers nothing on a day missing from the week', () => {
    expect(oneDay('2026-12-06')).toEqual([]); // Sunday
    expect(oneDay('2026-12-03')).toEqual([]); // Thursday
  });

  it('offers nothing on a closed date and resumes the next day', () => {
    const holidays = { ...clinic, closedDates: ['2026-12-01'] };
    expect(oneDay('2026-12-01', holidays)).toEqual([]);
    expect(oneDay('2026-12-02', holidays)).toHaveLength(16);
  });

  it('skips starts already taken', () => {
    const taken = new Set([saoPaulo('2026-12-01T09:00'), saoPaulo('2026-12-01T14:30')]);
    const times = wallTimes(oneDay('2026-12-01', clinic, taken));
    expect(times).toHaveLength(14);
    expect(times[0]).toBe('2026-12-01T09:30');
    expect(times).not.toContain('2026-12-01T14:30');
  });

  it('starts at now plus the minimum notice', () => {
    const slots = generateSlots(
      { ...clinic, minNoticeMs: 2 * hourMs },
      { now: saoPaulo('2026-12-01T09:10'), limit: 3, taken: new Set() },
    );
    expect(wallTimes(slots)).toEqual(['2026-12-01T11:30', '2026-12-01T13:00', '2026-12-01T13:30']);
  });

  it('moves to the next open day when today has no slot left', () => {
    const slots = generateSlots(clinic, { now: saoPaulo('2026-12-02T17:31'), limit: 2, taken: new Set() });
    // Thursday and Friday are closed; Saturday opens 08:00 with a lunch at 12:00.
    expect(wallTimes(slots)).toEqual(['2026-12-05T08:00', '2026-12-05T08:30']);
  });

  it('stops at the horizon, whatever toDate asks for', () => {
    const shortHorizon = { ...clinic, horizonDays: 2 };
    const slots = generateSlots(shortHorizon, { now: mondayMorning, toDate: '2026-12-31', limit: 1000, taken: new Set() });
    expect(slots).toHaveLength(48); // Monday, Tuesday and Wednesday
    expect(wallTimes(slots).at(-1)).toBe('2026-12-02T17:30');
    expect(generateSlots(shortHorizon, { now: mondayMorning, fromDate: '2026-12-05', limit: 10, taken: new Set() })).toEqual([]);
  });

  it('clamps a fromDate in the past to now and returns nothing when fromDate is after toDate', () => {
    const fromPast = generateSlots(clinic, { now: saoPaulo('2026-12-01T17:00'), fromDate: '2026-01-01', limit: 1, taken: new Set() });
    expect(wallTimes(fromPast)).toEqual(['2026-12-01T17:00']);
    expect(
      generateSlots(clinic, { now: mondayMorning, fromDate: '2026-12-02', toDate: '2026-12-01', limit: 10, taken: new Set() }),
    ).toEqual([]);
  });

  it('returns at most limit slots, in order', () => {
    const slots = generateSlots(clinic, { now: mondayMorning, limit: 20, taken: new Set() });
    expect(slots).toHaveLength(20);
    expect(wallTimes(slots)[16]).toBe('2026-12-01T09:00'); // Monday's 16, then Tuesday
    for (let index = 1; index < slots.length; index += 1) expect(slots[index]!.start).toBeGreaterThan(slots[index - 1]!.start);
    expect(generateSlots(clinic, { now: mondayMorning, limit: 0, taken: new Set() })).toEqual([]);
  });

  it('with 45-minute slots, never overlaps the break or runs past closing', () => {
    const fortyFive = { ...clinic, slotMinutes: 45, week: { 2: [{ from: 540, to: 1020 }] } }; // 09:00-17:00
    const slots = oneDay('2026-12-01', fortyFive);
    expect(wallTimes(slots)).toEqual([
      '2026-12-01T09:00', '2026-12-01T09:45', '2026-12-01T10:30', '2026-12-01T11:15',
      '2026-12-01T13:30', '2026-12-01T14:15', '2026-12-01T15:00', '2026-12-01T15:45',
    ]);
    for (const slot of slots) {
      expect(slot.end - slot.start).toBe(45 * minuteMs);
      const overlapsLunch = slot.start < saoPaulo('2026-12-01T13:00') && slot.end > saoPaulo('2026-12-01T12:00');
      expect(overlapsLunch).toBe(false);
      expect(slot.end).toBeLessThanOrEqual(saoPaulo('2026-12-01T17:00'));
    }
  });

  it('orders two ranges of a day even when given out of order', () => {
    const split = { ...clinic, breaks: [], week: { 2: [{ from: 840, to: 900 }, { from: 480, to: 540 }] } };
    expect(wallTimes(oneDay('2026-12-01', split))).toEqual([
      '2026-12-01T08:00', '2026-12-01T08:30', '2026-12-01T14:00', '2026-12-01T14:30',
    ]);
  });

  it('skips wall times that a DST change removes', () => {
    // New York jumps from 02:00 to 03:00 on Sunday 8 March 2026.
    const nightShift: OpeningHours = { ...clinic, timezone: 'America/New_York', breaks: [], week: { 7: [{ from: 60, to: 240 }] } };
    const slots = generateSlots(nightShift, {
      now: Date.parse('2026-03-07T12:00:00-05:00'), fromDate: '2026-03-08', toDate: '2026-03-08', limit: 10, taken: new Set(),
    });
    expect(slots.map((slot) => slot.start)).toEqual([
      Date.parse('2026-03-08T01:00:00-05:00'),
      Date.parse('2026-03-08T01:30:00-05:00'),
      Date.parse('2026-03-08T03:00:00-04:00'),
      Date.parse('2026-03-08T03:30:00-04:00'),
    ]);
  });

  it('refuses a malformed date and an unusable slot length', () => {
    expect(() => generateSlots(clinic, { now: mondayMorning, fromDate: '01/12/2026', limit: 5, taken: new Set() })).toThrow(
      'fromDate "01/12/2026": expected a date written YYYY-MM-DD, such as 2026-12-01',
    );
    expect(() => generateSlots({ ...clinic, slotMinutes: 0 }, { now: mondayMorning, limit: 5, taken: new Set() })).toThrow(
      /slotMinutes must be a whole number of at least 1/,
    );
  });
});

describe('checkSlot', () => {
  const strict = { ...clinic, minNoticeMs: 2 * hourMs, horizonDays: 7, closedDates: ['2026-12-02'] };
  const check = (localTime: string, hours: OpeningHours = strict) => checkSlot(hours, saoPaulo(localTime), mondayMorning);

  it('accepts an offered start and returns its slot', () => {
    expect(check('2026-12-01T10:30')).toEqual({
      ok: true,
      slot: { start: saoPaulo('2026-12-01T10:30'), end: saoPaulo('2026-12-01T11:00') },
    });
  });

  it('reports in_past, too_soon and too_far', () => {
    expect(check('2026-11-30T07:30')).toEqual({ ok: false, problem: 'in_past' });
    expect(check('2026-11-30T09:30')).toEqual({ ok: false, problem: 'too_soon' });
    expect(check('2026-11-30T10:00').ok).toBe(true);
    expect(check('2026-12-08T09:00')).toEqual({ ok: false, problem: 'too_far' }); // Tuesday, 8 days ahead
    expect(check('2026-12-07T17:30').ok).toBe(true); // Monday, the last day of the horizon
  });

  it('reports closed_day for a day off and for a closed date', () => {
    expect(check('2026-12-06T10:00')).toEqual({ ok: false, problem: 'closed_day' }); // Sunday
    expect(check('2026-12-02T10:00')).toEqual({ ok: false, problem: 'closed_day' }); // closed date
  });

  it('reports outside_hours before opening, at closing and when the slot would run past closing', () => {
    expect(check('2026-12-01T08:30')).toEqual({ ok: false, problem: 'outside_hours' });
    expect(check('2026-12-01T18:00')).toEqual({ ok: false, problem: 'outside_hours' });
    const fortyFive = { ...strict, slotMinutes: 45, week: { 2: [{ from: 540, to: 1020 }] } }; // 09:00-17:00
    expect(check('2026-12-01T16:30', fortyFive)).toEqual({ ok: false, problem: 'outside_hours' });
  });

  it('reports in_break for a start in the break and for a slot running into it', () => {
    expect(check('2026-12-01T12:00')).toEqual({ ok: false, problem: 'in_break' });
    expect(check('2026-12-01T12:15')).toEqual({ ok: false, problem: 'in_break' });
    const fortyFive = { ...strict, slotMinutes: 45 };
    expect(check('2026-12-01T11:15', fortyFive).ok).toBe(true);
    expect(check('2026-12-01T12:45', fortyFive)).toEqual({ ok: false, problem: 'in_break' });
  });

  it('reports not_aligned for a start off the slot grid', () => {
    expect(check('2026-12-01T10:15')).toEqual({ ok: false, problem: 'not_aligned' });
    expect(checkSlot(strict, saoPaulo('2026-12-01T10:00') + 30_000, mondayMorning)).toEqual({ ok: false, problem: 'not_aligned' });
  });

  it('accepts exactly the slots generateSlots offers', () => {
    const hours = { ...strict, slotMinutes: 45 };
    const offered = generateSlots(hours, { now: mondayMorning, limit: 1000, taken: new Set() });
    expect(offered.length).toBeGreaterThan(0);
    for (const slot of offered) expect(checkSlot(hours, slot.start, mondayMorning)).toEqual({ ok: true, slot });
    const offeredStarts = new Set(offered.map((slot) => slot.start));
    // Every quarter hour of the week that is not offered is refused.
    for (let start = mondayMorning; start < mondayMorning + 8 * 24 * hourMs; start += 15 * minuteMs) {
      expect(checkSlot(hours, start, mondayMorning).ok).toBe(offeredStarts.has(start));
    }
  });
});
