import { SwitchboardError } from '../../shared/errors.js';

// Money is carried as an integer count of minor units (cents, fils) so that totals add up exactly;
// 0.57 * 100 is 56.99999999999999 in floating point, and an order total must not drift by a cent.

/** An amount as written by a person or a file: digits, optional 3-digit groups with commas, optional decimals. */
const AMOUNT = /^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$/;

/** Digits after the decimal point for a currency (USD 2, JPY 0, KWD 3, BRL 2, AED 2), from Intl.NumberFormat's resolvedOptions. */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch (cause) {
    throw new SwitchboardError({
      code: 'MONEY_INVALID',
      message: `currency ${JSON.stringify(currency)} is not a three-letter ISO 4217 code such as USD`,
      details: { currency },
      cause,
    });
  }
}

/**
 * '12.5' or '1,234.50' or 12.5 (a number is converted via String(n), not multiplied as a float) in `currency` → minor units
 * (1250, 123450). Throws SwitchboardError code MONEY_INVALID (message names the value) for negatives, NaN, more decimals
 * than the currency allows, or garbage.
 */
export function parseMinorUnits(value: string | number, currency: string): number {
  const digits = currencyDigits(currency);
  const text = (typeof value === 'number' ? String(value) : value).trim();
  const shown = JSON.stringify(typeof value === 'number' ? String(value) : value);
  const fail = (message: string): never => {
    throw new SwitchboardError({ code: 'MONEY_INVALID', message, details: { value, currency } });
  };
  if (/^-\s*[\d.,]/.test(text)) fail(`expected an amount of 0 or more, got ${shown}`);
  // The pattern alone accepts '', which carries no digit at all.
  if (!AMOUNT.test(text) || text === '') return fail(`expected an amount such as ${exampleAmount(digits)}, got ${shown}`);
  const [whole = '', decimals = ''] = text.split('.');
  // '12.500' is rejected too, though exact: in Brazil or the Gulf '1.000' can mean one thousand, so an extra
  // digit means the writer's convention is not ours, not that a zero may be dropped.
  if (decimals.length > digits) {
    fail(`expected at most ${digits} decimal${digits === 1 ? '' : 's'} for ${currency}, got ${shown}`);
  }
  const minor = Number(`${whole.replaceAll(',', '') || '0'}${decimals.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(minor)) fail(`expected an amount below ${Number.MAX_SAFE_INTEGER} minor units, got ${shown}`);
  return minor;
}

/** 123450, 'USD', 'en' → '$1,234.50'; pt → 'US$ 1.234,50' (whatever Intl gives for the language). */
export function formatMoney(minor: number, currency: string, language: string): string {
  const digits = currencyDigits(currency);
  if (!Number.isSafeInteger(minor)) {
    throw new SwitchboardError({
      code: 'MONEY_INVALID',
      message: `expected a whole number of minor units, got ${String(minor)}`,
      details: { minor, currency },
    });
  }
  // Intl reads a decimal string exactly (ES2023 Intl.NumberFormat v3, Node 20); minor / 100 would print
  // 90071992547409.91 as .90, as doubles that large have no cent to spare. Our TypeScript lib predates string input.
  const amount = toDecimalString(minor, digits) as unknown as number;
  try {
    return new Intl.NumberFormat(language, { style: 'currency', currency }).format(amount);
  } catch {
    // A malformed language tag ('pt_BR') must not stop a reply; English formatting is still unambiguous.
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
  }
}

/** 123450, 2 → '1234.50'; -5, 2 → '-0.05'; 1250, 0 → '1250'. */
function toDecimalString(minor: number, digits: number): string {
  const sign = minor < 0 ? '-' : '';
  const magnitude = String(Math.abs(minor)).padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${magnitude}`;
  return `${sign}${magnitude.slice(0, -digits)}.${magnitude.slice(-digits)}`;
}

/** The amount 12.50 written with a currency's digits: '1250' for JPY, '12.500' for KWD. */
function exampleAmount(digits: number): string {
  return digits === 0 ? '1250' : `12.${'50'.padEnd(digits, '0').slice(0, digits)}`;
}
