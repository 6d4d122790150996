import { describe, expect, it } from 'vitest';
import { formatDateTime, isLocalDate, localDate, parseLocalDateTime, toLocalIso } from './local-time.js';

const saoPaulo = 'America/Sao_Paulo';
const newYork = 'America/New_York';
// Tuesday 1 December 2026, 10:00 in São Paulo (UTC-3 all year).
const tuesdayTenAm = Date.parse('2026-12-01T10:00:00-03:00');

describe('parseLocalDateTime', () => {
  it('reads a wall time in the tenant zone', () => {
    expect(parseLocalDateTime('2026-12-01T10:00', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T10:00', newYork)).toBe(Date.parse('2026-12-01T10:00:00-05:00'));
  });

  it('accepts a space instead of T, seconds and surrounding blanks', () => {
    expect(parseLocalDateTime('2026-12-01 10:00', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T10:00:00', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('  2026-12-01 10:00:00 ', saoPaulo)).toBe(tuesdayTenAm);
  });

  it('takes the instant of a full ISO string with Z or an offset, whatever the zone', () => {
    expect(parseLocalDateTime('2026-12-01T13:00:00Z', newYork)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T13:00:00.000Z', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T10:00-03:00', newYork)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T08:00:00-05:00', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T21:30+0830', saoPaulo)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T10:00:00.000-03', newYork)).toBe(tuesdayTenAm);
    expect(parseLocalDateTime('2026-12-01T13:00:00.5Z', newYork)).toBe(tuesdayTenAm + 500);
  });

  it('returns null for malformed text and impossible dates', () => {
    for (const text of ['', 'amanhã às 10', '2026-12-01', '2026-12-01T10', '01/12/2026 10:00', '2026-13-01T10:00',
      '2026-02-30T10:00', '2026-12-01T24:00', '2026-12-01T10:60', '2026-12-01T10:00:00+25:00',
      '2026-12-01T10:00+05:75', '2026-12-01T24:00Z', '2026-12-01T10:00:60', '2026-12-01T10:00 -03:00']) {
      expect(parseLocalDateTime(text, saoPaulo), text).toBeNull();
    }
  });

  it('returns null for a wall time skipped by a DST change', () => {
    // New York jumps from 02:00 to 03:00 on Sunday 8 March 2026.
    expect(parseLocalDateTime('2026-03-08T02:30', newYork)).toBeNull();
    expect(parseLocalDateTime('2026-03-08T02:00', newYork)).toBeNull();
    expect(parseLocalDateTime('2026-03-08T01:59', newYork)).toBe(Date.parse('2026-03-08T01:59:00-05:00'));
    expect(parseLocalDateTime('2026-03-08T03:00', newYork)).toBe(Date.parse('2026-03-08T03:00:00-04:00'));
  });

  it('round-trips with toLocalIso', () => {
    for (const text of ['2026-12-01T10:00', '2027-01-01T00:00', '2026-06-30T23:45']) {
      for (const zone of [saoPaulo, newYork, 'Asia/Dubai']) {
        expect(toLocalIso(parseLocalDateTime(text, zone)!, zone)).toBe(text);
      }
    }
    const summerMs = Date.parse('2026-07-15T14:30:00Z');
    expect(parseLocalDateTime(toLocalIso(summerMs, newYork), newYork)).toBe(summerMs);
  });
});

describe('toLocalIso', () => {
  it('writes the wall time in the zone without seconds or offset', () => {
    expect(toLocalIso(tuesdayTenAm, saoPaulo)).toBe('2026-12-01T10:00');
    expect(toLocalIso(tuesdayTenAm, newYork)).toBe('2026-12-01T08:00');
    expect(toLocalIso(tuesdayTenAm, 'Asia/Dubai')).toBe('2026-12-01T17:00');
  });

  it('refuses a zone that is not IANA', () => {
    expect(() => toLocalIso(tuesdayTenAm, 'Sao Paulo')).toThrow('time zone "Sao Paulo" is not an IANA zone; use a name such as America/Sao_Paulo');
  });
});

describe('formatDateTime', () => {
  it('writes Portuguese with the weekday and month in Portuguese', () => {
    const text = formatDateTime(tuesdayTenAm, saoPaulo, 'pt');
    expect(text).toContain('terça-feira');
    expect(text).toContain('1 de dezembro de 2026');
    expect(text).toContain('10:00');
    expect(formatDateTime(tuesdayTenAm, saoPaulo, 'pt-BR')).toContain('terça-feira');
  });

  it('writes English with the weekday and month in English', () => {
    const text = formatDateTime(tuesdayTenAm, saoPaulo, 'en');
    expect(text).toContain('Tuesday');
    expect(text).toContain('December 1, 2026');
    expect(text).toMatch(/10:00\s?AM/);
  });

  it('uses the tenant zone, not the machine zone', () => {
    expect(formatDateTime(tuesdayTenAm, 'Asia/Dubai', 'en')).toMatch(/5:00\s?PM/);
  });

  it('accepts underscore tags and falls back to English on an unusable language', () => {
    expect(formatDateTime(tuesdayTenAm, saoPaulo, 'pt_BR')).toContain('terça-feira');
    expect(formatDateTime(tuesdayTenAm, saoPaulo, 'not a language!')).toContain('Tuesday');
  });
});

describe('localDate', () => {
  it('gives the date in the zone, which can differ from the UTC date', () => {
    const lateMondayInSaoPaulo = Date.parse('2026-12-01T02:00:00Z');
    expect(localDate(lateMondayInSaoPaulo, saoPaulo)).toBe('2026-11-30');
    expect(localDate(lateMondayInSaoPaulo, 'Asia/Dubai')).toBe('2026-12-01');
  });
});

describe('isLocalDate', () => {
  it('accepts real YYYY-MM-DD dates only', () => {
    expect(isLocalDate('2026-12-25')).toBe(true);
    expect(isLocalDate('2028-02-29')).toBe(true);
    expect(isLocalDate('2026-02-29')).toBe(false);
    expect(isLocalDate('2026-12-25T00:00')).toBe(false);
    expect(isLocalDate('25/12/2026')).toBe(false);
  });
});
