import { type Compilable, CompiledQuery, type DialectAdapter, type Kysely, type QueryResult, type Transaction } from 'kysely';
import { dialectOf } from './dialect-of.js';
import type { SqlDialectName } from './migrations.js';
import type { Tables } from './tables.js';

type Executor = Kysely<Tables> | Transaction<Tables>;
type Shape = { sql: string; slots: Array<number | { value: unknown }> };

const SLOT = '\u0000switchboard-slot:';

/**
 * A hot query, built and compiled once per variant instead of on every call. Kysely rebuilds its
 * immutable query tree and recompiles it to SQL each time, which on the message path cost more CPU
 * than SQLite running the statement. `build` receives one placeholder per argument; the compiled
 * statement remembers where each placeholder went, and later calls only bind the real values.
 * `variant` tells apart shapes that differ (the number of rows of a multi-row insert); `dialect` lets a
 * builder add what only one dialect has (`FOR UPDATE SKIP LOCKED`).
 *
 * The SQL text is dialect-specific (`?` vs `$1`), so compiled statements are kept per database: keyed by
 * the Kysely instance's dialect adapter, which its transactions share. A process holding a SQLite and
 * a PostgreSQL database never runs one's statement on the other.
 */
export class QueryShape<Row> {
  private readonly compiled = new WeakMap<DialectAdapter, Map<number, Shape>>();

  constructor(private readonly build: (db: Executor, slots: any[], variant: number, dialect: SqlDialectName) => Compilable<Row>) {}

  async run(db: Executor, args: readonly unknown[], variant = 0): Promise<QueryResult<Row>> {
    const adapter = db.getExecutor().adapter;
    let shapes = this.compiled.get(adapter);
    if (!shapes) {
      shapes = new Map();
      this.compiled.set(adapter, shapes);
    }
    let shape = shapes.get(variant);
    if (!shape) {
      const placeholders = args.map((_, index) => `${SLOT}${index}`);
      const query = this.build(db, placeholders, variant, dialectOf(db)).compile();
      shape = {
        sql: query.sql,
        slots: query.parameters.map((parameter) =>
          typeof parameter === 'string' && parameter.startsWith(SLOT) ? Number(parameter.slice(SLOT.length)) : { value: parameter },
        ),
      };
      shapes.set(variant, shape);
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
