import { type Kysely, PostgresAdapter, type Transaction } from 'kysely';
import type { SqlDialectName } from './migrations.js';
import type { Tables } from './tables.js';

/**
 * The dialect a database or transaction speaks, for the few statements that differ (row locks,
 * `greatest` vs `max`). Read from Kysely's adapter, so the adapters need no extra constructor argument.
 */
export function dialectOf(db: Kysely<Tables> | Transaction<Tables>): SqlDialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
