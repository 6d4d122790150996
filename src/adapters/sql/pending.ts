import { sql } from 'kysely';

/**
 * `'pending'` as a SQL literal. The mailbox and outbox indexes are partial (`WHERE state = 'pending'`),
 * and a planner only uses a partial index when the query states the same literal, not a parameter.
 */
export const PENDING = sql.lit('pending');
