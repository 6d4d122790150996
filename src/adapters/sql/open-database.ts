import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { SwitchboardError } from '../../shared/errors.js';
import { migrateToLatest, type SqlDialectName } from './migrations.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Tables } from './tables.js';

export interface SqlDatabase {
  db: Kysely<Tables>;
  dialect: SqlDialectName;
  close(): Promise<void>;
}

/** How to open the database; each option applies to one dialect and is ignored by the other. */
export interface OpenDatabaseOptions {
  /** SQLite: `full` also survives power loss (default `normal`). */
  synchronous?: 'normal' | 'full';
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: an idle pooled connection failed (server restart, network); the pool replaces it. */
  onConnectionError?: (error: Error) => void;
  /** SQLite: the WAL checkpoint thread failed; the commits checkpoint again, as SQLite does by default. */
  onCheckpointFailure?: (error: Error) => void;
  /** SQLite: the checkpoint thread's period and the log length that makes it start the log over (tests shorten them). */
  checkpoint?: { intervalMs: number; restartFrames: number };
}

/**
 * Opens the database named by a `DATABASE_URL` and migrates it. `sqlite:./data/x.db`,
 * `sqlite::memory:` and `file:` paths select SQLite (WAL); `postgres://` and `postgresql://` select
 * PostgreSQL, through the same Kysely tables and migrations.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
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
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(native) }) });
  await migrateToLatest(db, 'sqlite');
  const checkpointer = file === ':memory:' ? null : checkpointInBackground(native, file, options);
  return {
    db,
    dialect: 'sqlite',
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/** PostgreSQL through a `pg` pool; fails at once (not at the first query) when the server cannot be reached. */
async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: NUMERIC_INT8 });
  // Without a listener an idle connection's error would crash the process; the pool drops that connection.
  pool.on('error', (error) => options.onConnectionError?.(error));
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new SwitchboardError({
      code: 'DATABASE_OPEN_FAILED',
      message: `cannot connect to PostgreSQL ${describePostgresUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}; check that the server runs and DATABASE_URL's host, port, user, password and database`,
      cause,
    });
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    db,
    dialect: 'postgres',
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Transactions that take the write lock at BEGIN. Kysely's SQLite driver begins them DEFERRED: a transaction that
 * reads first holds a snapshot, and SQLite refuses its first write at once (SQLITE_BUSY, no waiting, which could
 * deadlock) when another connection has written or holds the write lock meanwhile — here the checkpoint thread,
 * whose RESTART holds it for a moment. IMMEDIATE waits its turn (busy_timeout) before reading anything.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(BEGIN_IMMEDIATE);
    };
    return driver;
  }
}

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');

/** Moves WAL checkpoints off the event loop (see WalCheckpointer); the WAL file is cut back to 64 MB after each reset. */
function checkpointInBackground(native: Database.Database, file: string, options: OpenDatabaseOptions): WalCheckpointer {
  native.pragma('journal_size_limit = 67108864');
  native.pragma('wal_autocheckpoint = 0');
  return new WalCheckpointer(file, {
    ...(options.checkpoint ?? { intervalMs: 250, restartFrames: 8192 /* 32 MB of 4 kB pages */ }),
    onFailure: (error) => {
      if (native.open) native.pragma('wal_autocheckpoint = 1000');
      options.onCheckpointFailure?.(error);
    },
  });
}

/**
 * pg returns int8 (bigint: ids, Unix-ms times, counts) as strings so as not to lose precision past
 * 2^53. Ours stay far below that, and the adapters expect numbers as from SQLite. Set per pool, not
 * on pg's global `types`, so that other pg users in the process keep the default.
 */
const INT8_OID = 20;
const NUMERIC_INT8: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** `host:port/database as user`, for messages: never the password. */
function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    const user = parsed.username ? ` as ${decodeURIComponent(parsed.username)}` : '';
    return `${parsed.hostname || '(local socket)'}:${parsed.port || '5432'}/${database}${user}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
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

