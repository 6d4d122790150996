import { IANAZone } from 'luxon';
import { isLocalDate } from './local-time.js';

/** Minutes from local midnight, [from, to). */
export interface TimeRange {
  from: number;
  to: number;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A tenant's bookable week, in its own time zone. */
export interface OpeningHours {
  /** IANA, e.g. America/Sao_Paulo. */
  timezone: string;
  /** Slot length; slots start at each open range's start, every slotMinutes. */
  slotMinutes: number;
  /** ISO weekday 1=Mon..7=Sun; a missing day (or an empty list) is closed. */
  week: Partial<Record<IsoWeekday, TimeRange[]>>;
  /** Apply to every open day (lunch). */
  breaks: TimeRange[];
  /** 'YYYY-MM-DD' local dates (holidays). */
  closedDates: string[];
  /** Bookable up to this many days ahead: the last bookable local date is today + horizonDays. */
  horizonDays: number;
  /** A slot starting sooner than now+minNotice is not bookable. */
  minNoticeMs: number;
}

/** Day keys of the tenant file's `calendar.hours`. */
export type DayName = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** The tenant file's `calendar` section, as its zod schema produces it. */
export interface CalendarConfig {
  /** Slot length in minutes. */
  slot_minutes: number;
  /** Per day: 'closed', '09:00-18:00' or ['08:00-12:00', '14:00-18:00']; a missing day is closed. */
  hours: Partial<Record<DayName, string | string[]>>;
  /** Ranges closed on every open day, e.g. ['12:00-13:00']. */
  breaks: string[];
  /** Local dates closed all day, e.g. ['2026-12-25']. */
  closed_dates: string[];
  /** How many days ahead patients may book. */
  horizon_days: number;
  /** Minimum time between now and a bookable slot's start, in ms. */
  min_notice_ms: number;
}

const dayNumbers: Record<DayName, IsoWeekday> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

const timeRangePattern = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/;

/** Parses 'HH:MM-HH:MM' (end may be 24:00; end must be after start). Throws an Error with a clear message on bad input. */
export function parseTimeRange(text: string): TimeRange {
  const match = timeRangePattern.exec(text.trim());
  if (match === null) {
    throw new Error(`time range "${text}": expected HH:MM-HH:MM, such as 09:00-18:00`);
  }
  const [fromHour, fromMinute, toHour, toMinute] = match.slice(1).map(Number) as [number, number, number, number];
  const from = minutesOfDay(text, fromHour, fromMinute, false);
  const to = minutesOfDay(text, toHour, toMinute, true);
  if (to <= from) {
    throw new Error(
      `time range "${text}": the end must be after the start (a range cannot cross midnight; use 24:00 to close at midnight)`,
    );
  }
  return { from, to };
}

/** Builds OpeningHours from the tenant file's calendar section. Throws naming the field when a value is unusable. */
export function openingHoursFromConfig(config: CalendarConfig, timezone: string): OpeningHours {
  if (!IANAZone.isValidZone(timezone)) {
    throw new Error(`timezone: "${timezone}" is not an IANA zone; use a name such as America/Sao_Paulo`);
  }
  requireWholeNumber('calendar.slot_minutes', config.slot_minutes, 1);
  requireWholeNumber('calendar.horizon_days', config.horizon_days, 0);
  requireWholeNumber('calendar.min_notice_ms', config.min_notice_ms, 0);

  const week: Partial<Record<IsoWeekday, TimeRange[]>> = {};
  for (const [dayName, value] of Object.entries(config.hours) as [DayName, string | string[] | undefined][]) {
    const dayNumber = dayNumbers[dayName];
    if (dayNumber === undefined) {
      throw new Error(`calendar.hours.${dayName}: unknown day; use mon, tue, wed, thu, fri, sat or sun`);
    }
    if (value === undefined) continue;
    const texts = (Array.isArray(value) ? value : [value]).filter((text) => text.trim().toLowerCase() !== 'closed');
    if (texts.length === 0) continue;
    week[dayNumber] = parseRanges(`calendar.hours.${dayName}`, texts);
  }

  const breaks = parseRanges('calendar.breaks', config.breaks);

  for (const date of config.closed_dates) {
    if (!isLocalDate(date)) {
      throw new Error(`calendar.closed_dates: "${date}" is not a date; write it as YYYY-MM-DD, such as 2026-12-25`);
    }
  }

  return {
    timezone,
    slotMinutes: config.slot_minutes,
    week,
    breaks,
    closedDates: [...config.closed_dates],
    horizonDays: config.horizon_days,
    minNoticeMs: config.min_notice_ms,
  };
}

/** Parses and sorts a day's ranges; overlapping ranges are refused because they would offer the same slot twice. */
function parseRanges(field: string, texts: readonly string[]): TimeRange[] {
  const ranges = texts.map((text) => {
    try {
      return parseTimeRange(text);
    } catch (error) {
      throw new Error(`${field}: ${(error as Error).message}`, { cause: error });
    }
  });
  ranges.sort((first, second) => first.from - second.from);
  for (let index = 1; index < ranges.length; index += 1) {
    const previous = ranges[index - 1]!;
    const current = ranges[index]!;
    if (current.from < previous.to) {
      throw new Error(
        `${field}: ranges ${formatRange(previous)} and ${formatRange(current)} overlap; merge them or make them follow each other`,
      );
    }
  }
  return ranges;
}

function minutesOfDay(text: string, hour: number, minute: number, isEnd: boolean): number {
  const isMidnightEnd = isEnd && hour === 24 && minute === 0;
  if (!isMidnightEnd && (hour > 23 || minute > 59)) {
    const shown = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
    throw new Error(
      `time range "${text}": ${shown} is not a time of day (hours 00-23, minutes 00-59; only an end may be 24:00)`,
    );
  }
  return hour * 60 + minute;
}

function requireWholeNumber(field: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${field}: expected a whole number of at least ${minimum}, got ${String(value)}`);
  }
}

function formatRange(range: TimeRange): string {
  const clock = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${clock(range.from)}-${clock(range.to)}`;
}
