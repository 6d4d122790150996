import type { SqlDialectName } from './migrations.js';

/**
 * PostgreSQL's text cannot hold U+0000, which SQLite's can. A user's message carrying one would fail the
 * group commit it is written in, and every webhook sharing it, on each redelivery; on PostgreSQL it is
 * stored as U+FFFD (the replacement character) instead.
 */
export function storableText<T extends string | null>(dialect: SqlDialectName, value: T): T {
  return dialect === 'postgres' && value !== null && value.includes('\u0000') ? (value.replaceAll('\u0000', '\uFFFD') as T) : value;
}
