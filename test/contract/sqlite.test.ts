// The embedded adapters (one SQLite database, group-committed writes) against every port contract.
import { openDatabase } from '../../src/adapters/sql/open-database.js';
import { sqlContracts, wireSqlStores } from './sql-stores.js';

/** A fresh migrated in-memory database with every SQL adapter on one batcher, as app.ts wires them. */
async function openSqliteStores() {
  return wireSqlStores(await openDatabase('sqlite::memory:'));
}

sqlContracts('sqlite', openSqliteStores);
