import { type Compilable, CompiledQuery, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Tables } from './tables.js';

type Executor = Kysely<Tables> | Transaction<Tables>;

const SLOT = '\u0000switchboard-slot:';

/**
 * A hot query, built and compiled once per variant instead of on every call. Kysely rebuilds its
 * immutable query tree and recompiles it to SQL each time, which on the message path cost more CPU
 * than SQLite running the statement. `build` receives one placeholder per argument; the compiled
 * statement remembers where each placeholder went, and later calls only bind the real values.
 * `variant` tells apart shapes that differ (the number of rows of a multi-row insert).
 */
export class QueryShape<Row> {
  private readonly compiled = new Map<number, { sql: string; slots: Array<number | { value: unknown }> }>();

  constructor(private readonly build: (db: Executor, slots: any[], variant: number) => Compilable<Row>) {}

  async run(db: Executor, args: readonly unknown[], variant = 0): Promise<QueryResult<Row>> {
    let shape = this.compiled.get(variant);
    if (!shape) {
      const placeholders = args.map((_, index) => `${SLOT}${index}`);
      const query = this.build(db, placeholders, variant).compile();
      shape = {
        sql: query.sql,
        slots: query.parameters.map((parameter) =>
          typeof parameter === 'string' && parameter.startsWith(SLOT) ? Number(parameter.slice(SLOT.length)) : { value: parameter },
        ),
      };
      this.compiled.set(variant, shape);
    }
    const parameters = shape.slots.map((slot) => (typeof slot === 'number' ? args[slot] : slot.value));
    return db.executeQuery<Row>(CompiledQuery.raw(shape.sql, parameters) as CompiledQuery<Row>);
  }

  /** The rows of a query run with `args`. */
  async rows(db: Executor, args: readonly unknown[], variant = 0): Promise<Row[]> {
    return (await this.run(db, args, variant)).rows;
  }
}

/** The placeholders of a multi-row shape, one array per row (arguments are passed row after row). */
export function rowsOf(slots: any[], rows: number): any[][] {
  const columns = slots.length / rows;
  return Array.from({ length: rows }, (_, row) => slots.slice(row * columns, (row + 1) * columns));
}
