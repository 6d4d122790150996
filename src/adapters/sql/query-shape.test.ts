import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqlDatabase } from './open-database.js';
import { QueryShape } from './query-shape.js';

describe('QueryShape', () => {
  let database: SqlDatabase;
  afterEach(async () => database.close());

  it('binds new values into a statement compiled once, constants included', async () => {
    database = await openDatabase('sqlite::memory:');
    const insert = new QueryShape((db, [tenant, user, content]) =>
      db.insertInto('history').values({ tenant_id: tenant, user_id: user, role: 'user', content, turn_id: 't', created_at: 1 }),
    );
    const byUser = new QueryShape((db, [tenant, user]) =>
      db.selectFrom('history').select(['content', 'role']).where('tenant_id', '=', tenant).where('user_id', '=', user).orderBy('id'),
    );
    await insert.run(database.db, ['a', 'u1', 'first']);
    await insert.run(database.db, ['a', 'u2', 'second']);
    await insert.run(database.db, ['b', 'u1', 'third']);
    expect(await byUser.rows(database.db, ['a', 'u1'])).toEqual([{ content: 'first', role: 'user' }]);
    expect(await byUser.rows(database.db, ['b', 'u1'])).toEqual([{ content: 'third', role: 'user' }]);
  });

  it('compiles each variant on its own (multi-row inserts)', async () => {
    database = await openDatabase('sqlite::memory:');
    const insertMany = new QueryShape((db, slots: any[], rows) =>
      db.insertInto('history').values(
        Array.from({ length: rows }, (_, index) => ({ tenant_id: 't', user_id: 'u', role: 'user', content: slots[index], turn_id: 'x', created_at: 1 })),
      ),
    );
    await insertMany.run(database.db, ['one'], 1);
    await insertMany.run(database.db, ['two', 'three'], 2);
    await insertMany.run(database.db, ['four'], 1);
    const rows = await database.db.selectFrom('history').select('content').orderBy('id').execute();
    expect(rows.map((row) => row.content)).toEqual(['one', 'two', 'three', 'four']);
  });
});
