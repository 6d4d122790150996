import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SwitchboardError } from '../shared/errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('page cursors', () => {
  const position = z.tuple([z.number(), z.string()]);

  it('gives back the position it encoded, as URL-safe text', () => {
    const cursor = encodeCursor([1_795_000_000_000, 'tenant/ü']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, position)).toEqual([1_795_000_000_000, 'tenant/ü']);
  });

  it('refuses what it did not give out with REQUEST_INVALID', () => {
    for (const bad of ['%%%', encodeCursor({ other: true }), 'bm90IGpzb24']) {
      expect(() => decodeCursor(bad, position, 'before')).toThrow(SwitchboardError);
      expect(() => decodeCursor(bad, position, 'before')).toThrow(/before: not a cursor/);
    }
  });
});
