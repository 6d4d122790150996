import { describe, expect, it } from 'vitest';
import { openingHoursFromConfig, parseTimeRange, type CalendarConfig } from './opening-hours.js';

const dentalCalendar: CalendarConfig = {
  slot_minutes: 30,
  hours: { mon: '08:00-19:00', tue: ['14:00-18:00', '08:00-12:00'], sat: '08:00-13:00', sun: 'closed' },
  breaks: ['12:00-13:00'],
  closed_dates: ['2026-12-25'],
  horizon_days: 30,
  min_notice_ms: 7_200_000,
};

describe('parseTimeRange', () => {
  it('reads hours and minutes as minutes from midnight', () => {
    expect(parseTimeRange('09:00-18:00')).toEqual({ from: 540, to: 1080 });
    expect(parseTimeRange(' 8:15 - 12:30 ')).toEqual({ from: 495, to: 750 });
  });

  it('accepts 24:00 as the end of the day', () => {
    expect(parseTimeRange('18:00-24:00')).toEqual({ from: 1080, to: 1440 });
  });

  it('rejects an end before or equal to the start', () => {
    expect(() => parseTimeRange('18:00-09:00')).toThrow(
      'time range "18:00-09:00": the end must be after the start (a range cannot cross midnight; use 24:00 to close at midnight)',
    );
    expect(() => parseTimeRange('09:00-09:00')).toThrow(/end must be after the start/);
  });

  it('rejects hours and minutes that are not a time of day', () => {
    expect(() => parseTimeRange('25:00-26:00')).toThrow(
      'time range "25:00-26:00": 25:00 is not a time of day (hours 00-23, minutes 00-59; only an end may be 24:00)',
    );
    expect(() => parseTimeRange('09:60-10:00')).toThrow(/09:60 is not a time of day/);
    expect(() => parseTimeRange('24:00-24:30')).toThrow(/24:00 is not a time of day/);
    expect(() => parseTimeRange('23:00-24:30')).toThrow(/24:30 is not a time of day/);
  });

  it('rejects text that is not a range', () => {
    expect(() => parseTimeRange('nine to five')).toThrow(
      'time range "nine to five": expected HH:MM-HH:MM, such as 09:00-18:00',
    );
    expect(() => parseTimeRange('09:00')).toThrow(/expected HH:MM-HH:MM/);
    expect(() => parseTimeRange('9-18')).toThrow(/expected HH:MM-HH:MM/);
  });
});

describe('openingHoursFromConfig', () => {
  it('maps day names to ISO weekdays with sorted ranges and copies the rest', () => {
    expect(openingHoursFromConfig(dentalCalendar, 'America/Sao_Paulo')).toEqual({
      timezone: 'America/Sao_Paulo',
      slotMinutes: 30,
      week: {
        1: [{ from: 480, to: 1140 }],
        2: [
          { from: 480, to: 720 },
          { from: 840, to: 1080 },
        ],
        6: [{ from: 480, to: 780 }],
      },
      breaks: [{ from: 720, to: 780 }],
      closedDates: ['2026-12-25'],
      horizonDays: 30,
      minNoticeMs: 7_200_000,
    });
  });

  it('treats "closed" in any case, alone or in a list, as a closed day', () => {
    const hours = openingHoursFromConfig({ ...dentalCalendar, hours: { mon: 'Closed', tue: ['closed'] } }, 'UTC');
    expect(hours.week).toEqual({});
  });

  it('names the day when one of its ranges is wrong', () => {
    expect(() =>
      openingHoursFromConfig({ ...dentalCalendar, hours: { wed: ['08:00-12:00', '18:00-09:00'] } }, 'America/Sao_Paulo'),
    ).toThrow(/^calendar\.hours\.wed: time range "18:00-09:00": the end must be after the start/);
  });

  it('refuses overlapping ranges on one day', () => {
    expect(() =>
      openingHoursFromConfig({ ...dentalCalendar, hours: { thu: ['08:00-12:00', '11:00-15:00'] } }, 'America/Sao_Paulo'),
    ).toThrow('calendar.hours.thu: ranges 08:00-12:00 and 11:00-15:00 overlap; merge them or make them follow each other');
  });

  it('names a wrong break', () => {
    expect(() => openingHoursFromConfig({ ...dentalCalendar, breaks: ['lunch'] }, 'America/Sao_Paulo')).toThrow(
      /^calendar\.breaks: time range "lunch": expected HH:MM-HH:MM/,
    );
  });

  it('refuses a closed date that is not a real YYYY-MM-DD date', () => {
    expect(() => openingHoursFromConfig({ ...dentalCalendar, closed_dates: ['25/12/2026'] }, 'America/Sao_Paulo')).toThrow(
      'calendar.closed_dates: "25/12/2026" is not a date; write it as YYYY-MM-DD, such as 2026-12-25',
    );
    expect(() => openingHoursFromConfig({ ...dentalCalendar, closed_dates: ['2026-02-30'] }, 'America/Sao_Paulo')).toThrow(
      /"2026-02-30" is not a date/,
    );
  });

  it('refuses an unknown day name, an unknown zone and a slot length below one minute', () => {
    const withUnknownDay = { ...dentalCalendar, hours: { monday: '08:00-12:00' } } as unknown as CalendarConfig;
    expect(() => openingHoursFromConfig(withUnknownDay, 'America/Sao_Paulo')).toThrow(
      'calendar.hours.monday: unknown day; use mon, tue, wed, thu, fri, sat or sun',
    );
    expect(() => openingHoursFromConfig(dentalCalendar, 'Brazil/Bia')).toThrow(/timezone: "Brazil\/Bia" is not an IANA zone/);
    expect(() => openingHoursFromConfig({ ...dentalCalendar, slot_minutes: 0 }, 'America/Sao_Paulo')).toThrow(
      'calendar.slot_minutes: expected a whole number of at least 1, got 0',
    );
  });
});
