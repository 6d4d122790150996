import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const highest = () => 0.999_999;
const lowest = () => 0;

describe('backoffDelay', () => {
  it('doubles the ceiling with each attempt, starting at baseMs', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, { random: highest }))).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect([1, 2, 3].map((attempt) => backoffDelay(attempt, { baseMs: 250, random: highest }))).toEqual([250, 500, 1000]);
  });

  it('caps the ceiling', () => {
    expect(backoffDelay(9, { random: highest })).toBe(256_000);
    expect(backoffDelay(10, { random: highest })).toBe(5 * 60_000);
    expect(backoffDelay(50, { random: highest })).toBe(5 * 60_000);
    expect(backoffDelay(4, { baseMs: 1000, capMs: 5000, random: highest })).toBe(5000);
    expect(backoffDelay(4, { baseMs: 1000, capMs: 5000, random: lowest })).toBe(2500);
  });

  it('keeps the jitter between half the ceiling and the ceiling', () => {
    const draws = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999];
    for (const attempt of [1, 2, 3, 6, 12]) {
      const ceiling = Math.min(5 * 60_000, 1000 * 2 ** (attempt - 1));
      const delays = draws.map((draw) => backoffDelay(attempt, { random: () => draw }));
      for (const delay of delays) {
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
      // The draw is used: a higher draw never waits less.
      expect([...delays].sort((a, b) => a - b)).toEqual(delays);
      expect(delays[0]).toBe(ceiling / 2);
    }
  });

  it('stays within bounds with the built-in random source', () => {
    for (let index = 0; index < 200; index += 1) {
      const delay = backoffDelay(3);
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('honours a minimum the failure asked for', () => {
    expect(backoffDelay(1, { minMs: 6000, random: highest })).toBe(6000);
    expect(backoffDelay(1, { minMs: 6000, random: lowest })).toBe(6000);
    expect(backoffDelay(5, { minMs: 6000, random: highest })).toBe(16_000);
    expect(backoffDelay(20, { minMs: 10 * 60_000, random: highest })).toBe(10 * 60_000);
  });

  it('treats attempt 0 and below like the first attempt', () => {
    expect(backoffDelay(0, { random: highest })).toBe(1000);
    expect(backoffDelay(-3, { random: highest })).toBe(1000);
  });
});
