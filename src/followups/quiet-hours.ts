import { DateTime } from 'luxon';

/**
 * The moment at or after `ms` when the tenant's quiet hours ("21:00-08:00", in its zone; a range may
 * wrap midnight) end. No quiet hours: `ms` itself. On daylight-saving days the end is the wall-clock
 * time as luxon resolves it: an end time the clocks skip moves forward by the gap, and an end time
 * that happens twice is taken the second time — late by up to an hour, never early.
 */
export function nextAllowedTime(ms: number, quietHours: string | undefined, timezone: string): number {
  if (!quietHours) return ms;
  const [from, to] = quietHours.split('-').map(toMinutes) as [number, number];
  const local = DateTime.fromMillis(ms, { zone: timezone });
  const minute = local.hour * 60 + local.minute;
  const wraps = from > to;
  const quiet = wraps ? minute >= from || minute < to : minute >= from && minute < to;
  if (!quiet) return ms;
  // The end of this quiet period: today's `to`, or tomorrow's when the period started before midnight.
  const endDay = wraps && minute >= from ? local.plus({ days: 1 }) : local;
  return endDay.set({ hour: Math.floor(to / 60), minute: to % 60, second: 0, millisecond: 0 }).toMillis();
}

/** Whether `ms` falls in the quiet hours. */
export function isQuietTime(ms: number, quietHours: string | undefined, timezone: string): boolean {
  return nextAllowedTime(ms, quietHours, timezone) !== ms;
}

function toMinutes(text: string): number {
  const [hours, minutes] = text.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}
