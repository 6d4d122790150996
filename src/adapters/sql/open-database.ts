import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SwitchboardError } from '../../shared/errors.js';
import { migrateToLatest, type SqlDialectName } from './migrations.js';
import type { Tables } from './tables.js';

export interface SqlDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialectName;
  close(): Promise<void>;
}

/**
 * Opens the database named by a `DATABASE_URL` and migrates it. `sqlite:./data/x.db`,
 * `sqlite::memory:` and `file:` paths select SQLite (WAL). Postgres arrives with the scale mode.
 */
export async function openDatabase(url: string, options: { synchronous?: 'normal' | 'full' } = {}): Promise<SqlDatabase> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new SwitchboardError({
      code: 'DATABASE_URL_UNSUPPORTED',
      message: 'DATABASE_URL: PostgreSQL is not available in this build yet; use sqlite:./data/switchboard.db',
    });
  }
  const match = /^(?:sqlite|file):(.*)$/.exec(url);
  if (!match || match[1] === '') {
    throw new SwitchboardError({
      code: 'DATABASE_URL_UNSUPPORTED',
      message: `DATABASE_URL: "${url}" is not understood; write sqlite:./data/switchboard.db`,
    });
  }
  const file = match[1]!.replace(/^\/\/(?=\/)/, '');
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let native: Database.Database;
  try {
    native = new Database(file);
  } catch (cause) {
    throw new SwitchboardError({ code: 'DATABASE_OPEN_FAILED', message: `cannot open SQLite database ${file}`, cause });
  }
  native.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (the WAL is in the OS cache); FULL also survives power loss.
  native.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  native.pragma('busy_timeout = 5000');
  native.pragma('foreign_keys = ON');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(native) }) });
  await migrateToLatest(db, 'sqlite');
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, so repeated SQL text
 * (the hot path's few queries) is prepared once. Bounded, since multi-row inserts vary in length.
 */
function withStatementCache(native: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = native.prepare(source);
      if (cache.size >= 500) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  };
  return new Proxy(native, {
    get(target, property, receiver) {
      if (property === 'prepare') return prepare;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

