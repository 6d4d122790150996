import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Tables } from './tables.js';

type Unit = {
  work: (trx: Transaction<Tables>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/**
 * Group commit. Units of work submitted in the same event-loop turn run in one transaction, each
 * inside its own savepoint: a unit that throws is rolled back alone and its caller gets the error;
 * the others commit together, and every caller's promise settles only after that commit. A commit
 * is the expensive part of a small SQLite write, so a busy pipeline pays for one instead of dozens.
 */
export class WriteBatcher {
  private pending: Unit[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<Tables>) {}

  run<T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    // Bounded: a transaction runs without yielding, so a huge one would stall every webhook's 200.
    const units = this.pending.splice(0, MAX_UNITS);
    this.scheduled = this.pending.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const unit of units) {
          if (units.length === 1) {
            outcomes.push({ ok: true, value: await unit.work(trx) });
            continue;
          }
          await trx.executeQuery(SAVEPOINT);
          try {
            const value = await unit.work(trx);
            await trx.executeQuery(RELEASE);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await trx.executeQuery(ROLLBACK_TO);
            await trx.executeQuery(RELEASE);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      units.forEach((unit) => unit.reject(error));
      return;
    }
    units.forEach((unit, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }
}

// Compiled once: two of these run per unit, and the same text serves SQLite and PostgreSQL.
const SAVEPOINT = CompiledQuery.raw('SAVEPOINT unit');
const RELEASE = CompiledQuery.raw('RELEASE unit');
const ROLLBACK_TO = CompiledQuery.raw('ROLLBACK TO unit');

/** Units per transaction: enough to amortise the commit, few enough to keep the event loop responsive. */
const MAX_UNITS = 64;
