import { DateTime, IANAZone } from 'luxon';
import { isLocalDate } from './local-time.js';
import type { IsoWeekday, OpeningHours, TimeRange } from './opening-hours.js';

/** One bookable appointment, [start, end) in Unix ms. */
export interface Slot {
  start: number;
  end: number;
}

/** Why checkSlot refuses a start time; each maps to a different answer for the patient. */
export type SlotProblem = 'in_past' | 'too_soon' | 'too_far' | 'closed_day' | 'outside_hours' | 'in_break' | 'not_aligned';

const minuteMs = 60_000;

/**
 * Free slots in order, from max(now+minNotice, start of `fromDate`) to the end of `toDate` (local dates 'YYYY-MM-DD',
 * both optional, clamped to the horizon), skipping closed days, breaks, slots that overlap a break or do not fit
 * before the range's end, and slots whose start is in `taken`. At most `limit`. Throws on a malformed date.
 */
export function generateSlots(
  hours: OpeningHours,
  options: { now: number; fromDate?: string; toDate?: string; limit: number; taken: ReadonlySet<number> },
): Slot[] {
  const zone = requireUsableHours(hours);
  const slots: Slot[] = [];
  if (options.limit <= 0) return slots;

  const earliestStart = options.now + hours.minNoticeMs;
  const today = calendarDate(localDateOf(options.now, zone));
  const lastBookable = today.plus({ days: hours.horizonDays });
  let day = options.fromDate === undefined ? today : DateTime.max(today, calendarDate(requireDate('fromDate', options.fromDate)));
  const lastDay =
    options.toDate === undefined ? lastBookable : DateTime.min(lastBookable, calendarDate(requireDate('toDate', options.toDate)));
  const closedDates = new Set(hours.closedDates);
  const breaks = hours.breaks;

  for (; day <= lastDay; day = day.plus({ days: 1 })) {
    const date = day.toISODate()!;
    if (closedDates.has(date)) continue;
    for (const range of rangesOf(hours, day.weekday as IsoWeekday)) {
      for (let minute = range.from; minute + hours.slotMinutes <= range.to; minute += hours.slotMinutes) {
        if (breaks.some((pause) => overlaps(minute, minute + hours.slotMinutes, pause))) continue;
        const start = wallTimeToMs(day, minute, zone);
        if (start === null || start < earliestStart || options.taken.has(start)) continue;
        slots.push({ start, end: start + hours.slotMinutes * minuteMs });
        if (slots.length >= options.limit) return slots;
      }
    }
  }
  return slots;
}

/** Whether a slot starting at startMs is one the calendar offers (ignoring bookings). */
export function checkSlot(
  hours: OpeningHours,
  startMs: number,
  now: number,
): { ok: true; slot: Slot } | { ok: false; problem: SlotProblem } {
  const zone = requireUsableHours(hours);
  if (startMs < now) return { ok: false, problem: 'in_past' };
  if (startMs < now + hours.minNoticeMs) return { ok: false, problem: 'too_soon' };

  const local = DateTime.fromMillis(startMs, { zone });
  const day = calendarDate(local.toISODate()!);
  if (day > calendarDate(localDateOf(now, zone)).plus({ days: hours.horizonDays })) return { ok: false, problem: 'too_far' };

  const ranges = rangesOf(hours, day.weekday as IsoWeekday);
  if (hours.closedDates.includes(day.toISODate()!) || ranges.length === 0) return { ok: false, problem: 'closed_day' };

  const minute = local.hour * 60 + local.minute;
  // A start inside lunch is answered as a break even when also off the grid: "we are at lunch" helps more.
  if (hours.breaks.some((pause) => pause.from <= minute && minute < pause.to)) return { ok: false, problem: 'in_break' };
  const range = ranges.find((candidate) => candidate.from <= minute && minute < candidate.to);
  if (range === undefined) return { ok: false, problem: 'outside_hours' };
  if ((minute - range.from) % hours.slotMinutes !== 0 || local.second !== 0 || local.millisecond !== 0) {
    return { ok: false, problem: 'not_aligned' };
  }
  if (minute + hours.slotMinutes > range.to) return { ok: false, problem: 'outside_hours' };
  if (hours.breaks.some((pause) => overlaps(minute, minute + hours.slotMinutes, pause))) return { ok: false, problem: 'in_break' };
  // On the night clocks fall back a wall time happens twice; generateSlots offers only one of the two instants.
  if (wallTimeToMs(day, minute, zone) !== startMs) return { ok: false, problem: 'not_aligned' };

  return { ok: true, slot: { start: startMs, end: startMs + hours.slotMinutes * minuteMs } };
}

/** Guards the loops: a zero slot length would never advance and a bad zone would compare invalid dates. */
function requireUsableHours(hours: OpeningHours): IANAZone {
  if (!Number.isInteger(hours.slotMinutes) || hours.slotMinutes < 1) {
    throw new Error(`opening hours: slotMinutes must be a whole number of at least 1, got ${String(hours.slotMinutes)}`);
  }
  if (!IANAZone.isValidZone(hours.timezone)) {
    throw new Error(`opening hours: time zone "${hours.timezone}" is not an IANA zone; use a name such as America/Sao_Paulo`);
  }
  return IANAZone.create(hours.timezone);
}

function requireDate(name: string, text: string): string {
  if (!isLocalDate(text)) throw new Error(`${name} "${text}": expected a date written YYYY-MM-DD, such as 2026-12-01`);
  return text;
}

/** Sorted copy, so a hand-built OpeningHours with unordered ranges still yields slots in time order. */
function rangesOf(hours: OpeningHours, weekday: IsoWeekday): TimeRange[] {
  return [...(hours.week[weekday] ?? [])].sort((first, second) => first.from - second.from);
}

function overlaps(from: number, to: number, range: TimeRange): boolean {
  return from < range.to && to > range.from;
}

function localDateOf(ms: number, zone: IANAZone): string {
  return DateTime.fromMillis(ms, { zone }).toISODate()!;
}

/** A date with no time of day: kept in UTC so adding days never meets a DST change. */
function calendarDate(isoDate: string): DateTime {
  return DateTime.fromISO(isoDate, { zone: 'utc' });
}

/** The instant a wall time happens on a local date, or null when a DST gap skips it. */
function wallTimeToMs(day: DateTime, minuteOfDay: number, zone: IANAZone): number | null {
  const hour = Math.floor(minuteOfDay / 60);
  const minute = minuteOfDay % 60;
  const local = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
  if (!local.isValid || local.hour !== hour || local.minute !== minute) return null;
  return local.toMillis();
}
