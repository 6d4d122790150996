/**
 * A LIMIT to write into a QueryShape as a literal, passed as the shape's variant. SQLite reads a bound
 * LIMIT while planning, so rebinding it re-prepares the statement on every run, which cost more than
 * running it. Callers use a handful of limits: each is one compiled variant.
 */
export function literalLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number ≥ 0, got ${limit}`);
  return limit;
}
