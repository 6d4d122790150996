import { describe, expect, it } from 'vitest';
import { isQuietTime, nextAllowedTime } from './quiet-hours.js';

const NEW_YORK = 'America/New_York'; // EST (UTC-5) / EDT (UTC-4); 2026-03-08 02:00 → 03:00, 2026-11-01 02:00 → 01:00
const SAO_PAULO = 'America/Sao_Paulo'; // UTC-3 all year, no daylight saving since 2019

const utc = (text: string) => Date.parse(`${text}Z`);
const iso = (ms: number) => new Date(ms).toISOString();

/** `nextAllowedTime` as an ISO string, so a failure shows readable times. */
function next(at: string, quietHours: string | undefined, timezone: string): string {
  return iso(nextAllowedTime(utc(at), quietHours, timezone));
}

describe('quiet hours that wrap midnight ("21:00-08:00")', () => {
  const quiet = '21:00-08:00';

  it('allows 20:59 and 08:00 and holds 21:00 to the next morning (São Paulo, 2026-06-10)', () => {
    // Local 20:59 = 23:59 UTC; 21:00 = 00:00 UTC next day.
    expect(next('2026-06-10T23:59:00', quiet, SAO_PAULO)).toBe('2026-06-10T23:59:00.000Z');
    expect(next('2026-06-10T23:59:59.999', quiet, SAO_PAULO)).toBe('2026-06-10T23:59:59.999Z');
    expect(next('2026-06-11T00:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 21:00 → 08:00 next day
    expect(next('2026-06-11T02:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 23:00 → 08:00 next day
    expect(next('2026-06-11T02:59:59', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 23:59:59 → 08:00
    expect(next('2026-06-11T06:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 03:00 → 08:00 same day
    expect(next('2026-06-11T10:59:59.999', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 07:59:59.999
    expect(next('2026-06-11T11:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:00.000Z'); // 08:00 itself is allowed
    expect(next('2026-06-11T11:00:30', quiet, SAO_PAULO)).toBe('2026-06-11T11:00:30.000Z'); // and so is 08:00:30
    expect(next('2026-06-11T15:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T15:00:00.000Z'); // noon
  });

  it('says which times are quiet', () => {
    expect(isQuietTime(utc('2026-06-10T23:59:00'), quiet, SAO_PAULO)).toBe(false); // 20:59
    expect(isQuietTime(utc('2026-06-11T00:00:00'), quiet, SAO_PAULO)).toBe(true); // 21:00
    expect(isQuietTime(utc('2026-06-11T06:00:00'), quiet, SAO_PAULO)).toBe(true); // 03:00
    expect(isQuietTime(utc('2026-06-11T10:59:59.999'), quiet, SAO_PAULO)).toBe(true); // 07:59:59.999
    expect(isQuietTime(utc('2026-06-11T11:00:00'), quiet, SAO_PAULO)).toBe(false); // 08:00
  });

  it('does not shift in São Paulo around the dates New York changes its clocks', () => {
    // Still UTC-3: 23:00 local on 2026-03-07 and 2026-10-31 ends at 08:00 local = 11:00 UTC, 9 real hours later.
    expect(next('2026-03-08T02:00:00', quiet, SAO_PAULO)).toBe('2026-03-08T11:00:00.000Z');
    expect(next('2026-11-01T02:00:00', quiet, SAO_PAULO)).toBe('2026-11-01T11:00:00.000Z');
  });

  it('ends at 08:00 on the wall clock on the night New York springs forward (7 real hours after 23:00)', () => {
    // 2026-03-07 20:59 EST = 01:59 UTC: allowed.
    expect(next('2026-03-08T01:59:00', quiet, NEW_YORK)).toBe('2026-03-08T01:59:00.000Z');
    // 2026-03-07 21:00 EST = 02:00 UTC and 23:00 EST = 04:00 UTC → 2026-03-08 08:00 EDT = 12:00 UTC.
    expect(next('2026-03-08T02:00:00', quiet, NEW_YORK)).toBe('2026-03-08T12:00:00.000Z');
    expect(next('2026-03-08T04:00:00', quiet, NEW_YORK)).toBe('2026-03-08T12:00:00.000Z');
    // 01:30 EST, just before the jump, and 03:00 EDT, just after it: the same morning, 08:00 EDT.
    expect(next('2026-03-08T06:30:00', quiet, NEW_YORK)).toBe('2026-03-08T12:00:00.000Z');
    expect(next('2026-03-08T07:00:00', quiet, NEW_YORK)).toBe('2026-03-08T12:00:00.000Z');
    // 08:00 EDT is allowed; 07:59 EDT is not.
    expect(next('2026-03-08T12:00:00', quiet, NEW_YORK)).toBe('2026-03-08T12:00:00.000Z');
    expect(isQuietTime(utc('2026-03-08T11:59:00'), quiet, NEW_YORK)).toBe(true);
  });

  it('ends at 08:00 on the wall clock on the night New York falls back (10 real hours after 23:00)', () => {
    // 2026-10-31 20:59 EDT = 00:59 UTC: allowed.
    expect(next('2026-11-01T00:59:00', quiet, NEW_YORK)).toBe('2026-11-01T00:59:00.000Z');
    // 2026-10-31 23:00 EDT = 03:00 UTC → 2026-11-01 08:00 EST = 13:00 UTC.
    expect(next('2026-11-01T03:00:00', quiet, NEW_YORK)).toBe('2026-11-01T13:00:00.000Z');
    // 01:30 happens twice (EDT, then EST): both wait for the same 08:00 EST.
    expect(next('2026-11-01T05:30:00', quiet, NEW_YORK)).toBe('2026-11-01T13:00:00.000Z');
    expect(next('2026-11-01T06:30:00', quiet, NEW_YORK)).toBe('2026-11-01T13:00:00.000Z');
    // 03:00 EST → 08:00 EST the same day.
    expect(next('2026-11-01T08:00:00', quiet, NEW_YORK)).toBe('2026-11-01T13:00:00.000Z');
    // 08:00 EST is allowed; in summer 08:00 EDT was 12:00 UTC, which is now 07:00 EST and quiet.
    expect(next('2026-11-01T13:00:00', quiet, NEW_YORK)).toBe('2026-11-01T13:00:00.000Z');
    expect(isQuietTime(utc('2026-11-01T12:00:00'), quiet, NEW_YORK)).toBe(true);
  });
});

describe('quiet hours within one day ("12:00-14:00")', () => {
  const quiet = '12:00-14:00';

  it('holds 12:00 to 13:59 until 14:00 the same day and allows the rest (São Paulo)', () => {
    expect(next('2026-06-10T14:59:00', quiet, SAO_PAULO)).toBe('2026-06-10T14:59:00.000Z'); // 11:59
    expect(next('2026-06-10T15:00:00', quiet, SAO_PAULO)).toBe('2026-06-10T17:00:00.000Z'); // 12:00 → 14:00
    expect(next('2026-06-10T16:59:00', quiet, SAO_PAULO)).toBe('2026-06-10T17:00:00.000Z'); // 13:59 → 14:00
    expect(next('2026-06-10T17:00:00', quiet, SAO_PAULO)).toBe('2026-06-10T17:00:00.000Z'); // 14:00
    expect(next('2026-06-10T17:00:30', quiet, SAO_PAULO)).toBe('2026-06-10T17:00:30.000Z'); // 14:00:30
    expect(next('2026-06-11T02:00:00', quiet, SAO_PAULO)).toBe('2026-06-11T02:00:00.000Z'); // 23:00
    expect(next('2026-06-10T06:00:00', quiet, SAO_PAULO)).toBe('2026-06-10T06:00:00.000Z'); // 03:00
    expect(isQuietTime(utc('2026-06-10T15:00:00'), quiet, SAO_PAULO)).toBe(true);
    expect(isQuietTime(utc('2026-06-11T02:00:00'), quiet, SAO_PAULO)).toBe(false);
  });

  it('follows the wall clock in New York on the days the clocks change', () => {
    // 2026-03-08 12:30 EDT = 16:30 UTC → 14:00 EDT = 18:00 UTC; a day earlier, 12:30 EST = 17:30 UTC → 19:00 UTC.
    expect(next('2026-03-08T16:30:00', quiet, NEW_YORK)).toBe('2026-03-08T18:00:00.000Z');
    expect(next('2026-03-07T17:30:00', quiet, NEW_YORK)).toBe('2026-03-07T19:00:00.000Z');
    // 2026-11-01 12:30 EST = 17:30 UTC → 14:00 EST = 19:00 UTC; 16:30 UTC is 11:30 EST, allowed.
    expect(next('2026-11-01T17:30:00', quiet, NEW_YORK)).toBe('2026-11-01T19:00:00.000Z');
    expect(next('2026-11-01T16:30:00', quiet, NEW_YORK)).toBe('2026-11-01T16:30:00.000Z');
  });
});

describe('no quiet hours', () => {
  it('allows every time', () => {
    for (const at of ['2026-03-08T07:00:00', '2026-11-01T06:30:00', '2026-06-11T03:00:00']) {
      expect(next(at, undefined, NEW_YORK)).toBe(iso(utc(at)));
      expect(isQuietTime(utc(at), undefined, NEW_YORK)).toBe(false);
    }
  });
});
