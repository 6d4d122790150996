import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqlDatabase } from './open-database.js';
import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  const opened: SqlDatabase[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((database) => database.close()));
  });
  async function open() {
    const database = await openDatabase('sqlite::memory:');
    opened.push(database);
    return { db: database.db, batcher: new WriteBatcher(database.db) };
  }

  /** One row in a table the batcher knows nothing about: `escalations` has no constraints to trip. */
  function insertRow(trigger: string) {
    return { tenant_id: 'tenant-batcher', user_id: 'user-1', kind: 'keyword', trigger, created_at: 1 };
  }

  async function triggers(db: Awaited<ReturnType<typeof open>>['db']): Promise<string[]> {
    const rows = await db.selectFrom('escalations').select('trigger').orderBy('id').execute();
    return rows.map((row) => row.trigger);
  }

  it('commits units submitted together in one transaction', async () => {
    const { db, batcher } = await open();
    const transactions: unknown[] = [];
    const results = await Promise.all(
      ['one', 'two', 'three'].map((trigger) =>
        batcher.run(async (trx) => {
          // SQLite has one connection: a unit sees the rows of the units before it only inside the same transaction.
          transactions.push(trx);
          await trx.insertInto('escalations').values(insertRow(trigger)).execute();
          const seen = await trx.selectFrom('escalations').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
          return `${trigger}:${Number(seen.count)}`;
        }),
      ),
    );

    expect(results).toEqual(['one:1', 'two:2', 'three:3']);
    expect(new Set(transactions).size).toBe(1);
    expect(await triggers(db)).toEqual(['one', 'two', 'three']);
  });

  it('settles a caller only after the commit', async () => {
    const { db, batcher } = await open();
    await batcher.run((trx) => trx.insertInto('escalations').values(insertRow('committed')).execute());
    // Read outside any transaction: the row is visible, so the commit came first.
    expect(await triggers(db)).toEqual(['committed']);
  });

  it('rolls back a unit that throws, alone, and rejects only its caller', async () => {
    const { db, batcher } = await open();
    const failure = new Error('unit failed after its insert');
    const [before, failing, after] = await Promise.allSettled([
      batcher.run((trx) => trx.insertInto('escalations').values(insertRow('before')).execute()),
      batcher.run(async (trx) => {
        await trx.insertInto('escalations').values(insertRow('rolled back')).execute();
        throw failure;
      }),
      batcher.run(async (trx) => {
        await trx.insertInto('escalations').values(insertRow('after')).execute();
        return 'after done';
      }),
    ]);

    expect(before.status).toBe('fulfilled');
    expect(failing).toEqual({ status: 'rejected', reason: failure });
    expect(after).toEqual({ status: 'fulfilled', value: 'after done' });
    expect(await triggers(db)).toEqual(['before', 'after']);
  });

  it('rolls back a unit whose statement fails, keeping the others', async () => {
    const { db, batcher } = await open();
    const results = await Promise.allSettled([
      batcher.run((trx) => trx.insertInto('escalations').values(insertRow('kept')).execute()),
      batcher.run(async (trx) => {
        await trx.insertInto('escalations').values(insertRow('undone')).execute();
        await sql`INSERT INTO no_such_table VALUES (1)`.execute(trx);
      }),
    ]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect(await triggers(db)).toEqual(['kept']);
  });

  it('rejects a single failing unit and writes nothing', async () => {
    const { db, batcher } = await open();
    await expect(
      batcher.run(async (trx) => {
        await trx.insertInto('escalations').values(insertRow('alone')).execute();
        throw new Error('alone and failing');
      }),
    ).rejects.toThrow('alone and failing');
    expect(await triggers(db)).toEqual([]);

    // The batcher keeps working afterwards.
    await batcher.run((trx) => trx.insertInto('escalations').values(insertRow('next')).execute());
    expect(await triggers(db)).toEqual(['next']);
  });

  it('runs a unit submitted while a batch is committing in a later batch', async () => {
    const { db, batcher } = await open();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const transactions: unknown[] = [];
    // 1. The first unit holds its transaction open.
    const first = batcher.run(async (trx) => {
      transactions.push(trx);
      await trx.insertInto('escalations').values(insertRow('first')).execute();
      await gate;
    });
    await new Promise((resolve) => setImmediate(resolve));
    // 2. A second unit arrives meanwhile; 3. the first commits; 4. the second runs in its own transaction.
    const second = batcher.run(async (trx) => {
      transactions.push(trx);
      await trx.insertInto('escalations').values(insertRow('second')).execute();
    });
    release();
    await Promise.all([first, second]);

    expect(transactions).toHaveLength(2);
    expect(transactions[0]).not.toBe(transactions[1]);
    expect(await triggers(db)).toEqual(['first', 'second']);
  });

  it('splits a very large burst into several transactions, all committed', async () => {
    const { db, batcher } = await open();
    const transactions = new Set<unknown>();
    await Promise.all(
      Array.from({ length: 150 }, (_, index) =>
        batcher.run(async (trx) => {
          transactions.add(trx);
          await trx.insertInto('escalations').values(insertRow(`row-${index}`)).execute();
        }),
      ),
    );
    expect(transactions.size).toBeGreaterThan(1);
    expect(await triggers(db)).toHaveLength(150);
  });
});
