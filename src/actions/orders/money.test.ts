import { describe, expect, it } from 'vitest';
import { SwitchboardError } from '../../shared/errors.js';
import { currencyDigits, formatMoney, parseMinorUnits } from './money.js';

function moneyError(run: () => unknown): SwitchboardError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchboardError);
    expect((error as SwitchboardError).code).toBe('MONEY_INVALID');
    return error as SwitchboardError;
  }
  throw new Error('expected MONEY_INVALID');
}

describe('currencyDigits', () => {
  it.each([
    ['USD', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BRL', 2],
    ['AED', 2],
    ['usd', 2],
  ])('%s has %i digits', (currency, digits) => {
    expect(currencyDigits(currency)).toBe(digits);
  });

  it('rejects a currency that is not a three-letter code, naming it', () => {
    expect(moneyError(() => currencyDigits('US')).message).toContain('"US"');
    moneyError(() => currencyDigits('dollars'));
  });
});

describe('parseMinorUnits', () => {
  it.each([
    ['12.5', 'USD', 1250],
    ['12.50', 'USD', 1250],
    ['1,234.50', 'USD', 123450],
    ['1,234,567.89', 'USD', 123456789],
    ['4999.99', 'USD', 499999],
    ['5000.01', 'USD', 500001],
    ['0.29', 'USD', 29],
    ['0.57', 'USD', 57],
    ['1.15', 'USD', 115],
    ['0', 'USD', 0],
    ['0.00', 'USD', 0],
    ['.5', 'USD', 50],
    ['  38.50 ', 'USD', 3850],
    ['007', 'USD', 700],
    ['1250', 'JPY', 1250],
    ['1,250', 'JPY', 1250],
    ['12.345', 'KWD', 12345],
    ['12.5', 'KWD', 12500],
    ['2,500,000', 'AED', 250000000],
    ['99.9', 'BRL', 9990],
  ] as const)('%s %s → %i', (value, currency, minor) => {
    expect(parseMinorUnits(value, currency)).toBe(minor);
  });

  it('reads numbers through their shortest decimal form, not by multiplying floats', () => {
    // 0.57 * 100 is 56.99999999999999 and 1.15 * 100 is 114.99999999999999 in floating point.
    expect(0.57 * 100).not.toBe(57);
    expect(parseMinorUnits(1.15, 'USD')).toBe(115);
    expect(parseMinorUnits(4999.99, 'USD')).toBe(499999);
    expect(parseMinorUnits(5000.01, 'USD')).toBe(500001);
    expect(parseMinorUnits(0.57, 'USD')).toBe(57);
    expect(parseMinorUnits(1.1, 'USD')).toBe(110);
    expect(parseMinorUnits(12.5, 'USD')).toBe(1250);
    expect(parseMinorUnits(1250, 'JPY')).toBe(1250);
    expect(parseMinorUnits(0, 'USD')).toBe(0);
    expect(parseMinorUnits(-0, 'USD')).toBe(0);
    expect(parseMinorUnits(0.3, 'USD')).toBe(30);
  });

  it('rejects a float sum that carries binary noise rather than rounding it silently', () => {
    const sum = 0.1 + 0.2; // 0.30000000000000004
    expect(moneyError(() => parseMinorUnits(sum, 'USD')).message).toBe(
      'expected at most 2 decimals for USD, got "0.30000000000000004"',
    );
    moneyError(() => parseMinorUnits(1.005 * 100, 'USD'));
  });

  it('rejects more decimals than the currency has, naming the value', () => {
    expect(moneyError(() => parseMinorUnits('12.345', 'USD')).message).toBe('expected at most 2 decimals for USD, got "12.345"');
    expect(moneyError(() => parseMinorUnits('1.5', 'JPY')).message).toBe('expected at most 0 decimals for JPY, got "1.5"');
    moneyError(() => parseMinorUnits('12.3456', 'KWD'));
    // In Brazil or the Gulf '1.000' can mean one thousand: never read it as 1.00.
    moneyError(() => parseMinorUnits('1.000', 'USD'));
    moneyError(() => parseMinorUnits('12.500', 'USD'));
  });

  it('rejects negatives', () => {
    expect(moneyError(() => parseMinorUnits('-5', 'USD')).message).toBe('expected an amount of 0 or more, got "-5"');
    expect(moneyError(() => parseMinorUnits(-12.5, 'USD')).message).toBe('expected an amount of 0 or more, got "-12.5"');
    moneyError(() => parseMinorUnits('- 3.00', 'USD'));
  });

  it.each([
    ['abc'],
    [''],
    ['   '],
    ['.'],
    ['12.'],
    ['$12.50'],
    ['12.50 USD'],
    ['12,50'],
    ['1,23,456'],
    ['1 234'],
    ['+5'],
    ['1e3'],
    ['12..5'],
    ['١٢'],
  ])('rejects %j as garbage, naming it', (value) => {
    expect(moneyError(() => parseMinorUnits(value, 'USD')).message).toBe(
      `expected an amount such as 12.50, got ${JSON.stringify(value)}`,
    );
  });

  it('rejects NaN, infinities and exponent forms given as numbers', () => {
    expect(moneyError(() => parseMinorUnits(Number.NaN, 'USD')).message).toContain('"NaN"');
    moneyError(() => parseMinorUnits(Number.POSITIVE_INFINITY, 'USD'));
    moneyError(() => parseMinorUnits(1e21, 'USD'));
    moneyError(() => parseMinorUnits(1e-7, 'USD'));
  });

  it('shows an example in the currency\'s own digits', () => {
    expect(moneyError(() => parseMinorUnits('x', 'JPY')).message).toBe('expected an amount such as 1250, got "x"');
    expect(moneyError(() => parseMinorUnits('x', 'KWD')).message).toBe('expected an amount such as 12.500, got "x"');
  });

  it('rejects amounts beyond exact integer range', () => {
    expect(parseMinorUnits('90071992547409.91', 'USD')).toBe(Number.MAX_SAFE_INTEGER);
    moneyError(() => parseMinorUnits('90071992547409.92', 'USD'));
    moneyError(() => parseMinorUnits('99999999999999999999', 'USD'));
  });

  it('keeps the value and currency in details', () => {
    expect(moneyError(() => parseMinorUnits('abc', 'USD')).details).toEqual({ value: 'abc', currency: 'USD' });
  });
});

describe('formatMoney', () => {
  const nbsp = '\u00a0';

  it('formats with the language\'s conventions', () => {
    expect(formatMoney(123450, 'USD', 'en')).toBe('$1,234.50');
    expect(formatMoney(123450, 'USD', 'pt')).toBe(`US$${nbsp}1.234,50`);
    expect(formatMoney(123450, 'BRL', 'pt-BR')).toBe(`R$${nbsp}1.234,50`);
    expect(formatMoney(1250, 'JPY', 'en')).toBe('¥1,250');
    expect(formatMoney(12345, 'KWD', 'en')).toBe(`KWD${nbsp}12.345`);
    expect(formatMoney(0, 'USD', 'en')).toBe('$0.00');
    expect(formatMoney(5, 'USD', 'en')).toBe('$0.05');
    expect(formatMoney(-250, 'USD', 'en')).toBe('-$2.50');
    expect(formatMoney(7, 'KWD', 'en')).toBe(`KWD${nbsp}0.007`);
  });

  it('prints exactly what parseMinorUnits read', () => {
    for (const amount of ['4,999.99', '5,000.01', '0.29', '1.15', '2,499.99', '123,456,789.01', '90,071,992,547,409.91']) {
      expect(formatMoney(parseMinorUnits(amount, 'USD'), 'USD', 'en')).toBe(`$${amount}`);
    }
  });

  it('falls back to English for a malformed language tag', () => {
    expect(formatMoney(123450, 'USD', 'pt_BR')).toBe('$1,234.50');
  });

  it('rejects fractional minor units and bad currencies', () => {
    expect(moneyError(() => formatMoney(12.5, 'USD', 'en')).message).toContain('12.5');
    moneyError(() => formatMoney(100, 'US', 'en'));
  });
});
