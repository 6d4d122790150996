import { sql, type Transaction } from 'kysely';
import type { Tables } from './tables.js';

/**
 * Runs an INSERT and reports whether it went in: false when a unique index or primary key refused it.
 * The insert runs in its own savepoint because on PostgreSQL a failed statement aborts the whole
 * transaction (the batcher's other units included); SQLite accepts the same statements. Other errors
 * are rethrown after the savepoint is rolled back.
 */
export async function insertUnlessTaken(trx: Transaction<Tables>, insert: () => Promise<unknown>): Promise<boolean> {
  await sql`SAVEPOINT insert_unless_taken`.execute(trx);
  try {
    await insert();
  } catch (error) {
    await sql`ROLLBACK TO insert_unless_taken`.execute(trx);
    await sql`RELEASE insert_unless_taken`.execute(trx);
    if (isUniqueViolation(error)) return false;
    throw error;
  }
  await sql`RELEASE insert_unless_taken`.execute(trx);
  return true;
}

/** better-sqlite3 reports SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; PostgreSQL reports SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
