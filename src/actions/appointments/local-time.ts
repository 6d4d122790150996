import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/**
 * A date and a wall time, with optional seconds, fraction and offset. Parsed by hand because Luxon's ISO reader
 * is lenient: it reads '24:00' as the next midnight and '+05:75' as '+06:15'.
 */
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Real UTC offsets run from -12:00 to +14:00. */
const maximumOffsetMinutes = 14 * 60;

const localDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * 'YYYY-MM-DDTHH:mm' (also accepts a space instead of T, and seconds ':00') in the tenant's zone → Unix ms;
 * null when malformed or when the local time does not exist (DST gap). Also accepts a full ISO string with
 * offset or Z.
 */
export function parseLocalDateTime(text: string, timezone: string): number | null {
  const localZone = requireZone(timezone);
  const match = dateTimePattern.exec(text.trim());
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? '0')) as [
    number, number, number, number, number, number,
  ];
  const millisecond = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const zone = match[8] === undefined ? localZone : offsetZone(match[8]);
  if (zone === null) return null;

  const parsed = DateTime.fromObject({ year, month, day, hour, minute, second, millisecond }, { zone });
  if (!parsed.isValid) return null;
  // Luxon moves a wall time that falls in a DST gap forward instead of failing, so a changed field means the
  // time the user asked for never happens on that day.
  if (parsed.day !== day || parsed.hour !== hour || parsed.minute !== minute) return null;
  return parsed.toMillis();
}

/** The value the model should echo back: 'YYYY-MM-DDTHH:mm' local. */
export function toLocalIso(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: requireZone(timezone) }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/**
 * A human date and time in the tenant's language and zone, e.g. pt: 'terça-feira, 1 de dezembro de 2026 às 10:00',
 * en: 'Tuesday, December 1, 2026 at 10:00 AM'. Wording follows Intl; an unusable language falls back to English.
 */
export function formatDateTime(ms: number, timezone: string, language: string): string {
  return DateTime.fromMillis(ms, { zone: requireZone(timezone) })
    .setLocale(supportedLocale(language))
    .toLocaleString({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** Today's local date 'YYYY-MM-DD' in the zone. */
export function localDate(ms: number, timezone: string): string {
  return DateTime.fromMillis(ms, { zone: requireZone(timezone) }).toFormat('yyyy-MM-dd');
}

/** True when `text` is a real calendar date written 'YYYY-MM-DD' (so '2026-02-30' is not). */
export function isLocalDate(text: string): boolean {
  const match = localDatePattern.exec(text);
  if (match === null) return false;
  return DateTime.fromObject({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) }, { zone: 'UTC' })
    .isValid;
}

/** 'Z', '+05:30', '+0530' or '-03' as a fixed zone; null for an offset no place on Earth uses. */
function offsetZone(text: string): FixedOffsetZone | null {
  if (text.toUpperCase() === 'Z') return FixedOffsetZone.utcInstance;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  const totalMinutes = hours * 60 + minutes;
  if (minutes > 59 || totalMinutes > maximumOffsetMinutes) return null;
  return FixedOffsetZone.instance(text.startsWith('-') ? -totalMinutes : totalMinutes);
}

/** A wrong zone is a configuration mistake, not user input, so it fails loudly instead of yielding "Invalid DateTime". */
function requireZone(timezone: string): IANAZone {
  if (!IANAZone.isValidZone(timezone)) {
    throw new Error(`time zone "${timezone}" is not an IANA zone; use a name such as America/Sao_Paulo`);
  }
  return IANAZone.create(timezone);
}

/** Tenant files write 'pt' or 'pt-BR'; template settings write 'en_US'. Intl rejects malformed tags outright. */
function supportedLocale(language: string): string {
  const tag = language.trim().replace(/_/g, '-');
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag])[0] ?? 'en';
  } catch {
    return 'en';
  }
}
