// The SQL adapters on PostgreSQL: every port contract (the same suites as sqlite.test.ts), plus what only
// several processes on one server can show. The suites run in a database made for this file and dropped
// after it; each test starts from empty tables.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaleServers } from '../helpers/scale-servers.js';
import { openDatabase } from '../../src/adapters/sql/open-database.js';
import { QueryShape } from '../../src/adapters/sql/query-shape.js';
import type { ClaimedJob } from '../../src/ports/job-queue.js';
import { ManualClock } from '../helpers/switchboard.js';
import { TestDatabase as SharedTestDatabase } from '../helpers/test-database.js';
import { deliveryStatus, textDraft, textMessage, uniqueId } from './builders.js';
import { type SqlStores, sqlContracts, wireSqlStores } from './sql-stores.js';

/** The shared test database, which can also empty its tables so that each test sees a new database. */
class TestDatabase extends SharedTestDatabase {
  private tables: string[] | null = null;

  /** Empties every table but the migrations' (ids restart too). */
  async empty(db: SqlStores['database']['db']): Promise<void> {
    if (!this.tables) {
      const { rows } = await sql<{ name: string }>`
        select tablename as name from pg_tables where schemaname = current_schema() and tablename not like 'kysely_migration%'`.execute(db);
      this.tables = rows.map((row) => row.name);
    }
    if (this.tables.length === 0) return;
    await sql`TRUNCATE TABLE ${sql.join(this.tables.map((table) => sql.table(table)))} RESTART IDENTITY`.execute(db);
  }
}

const serverUrl = scaleServers('postgres', ['TEST_DATABASE_URL'])?.TEST_DATABASE_URL;
const LEASE_MS = 30_000;

if (serverUrl) {
  const testDatabase = new TestDatabase(serverUrl);
  beforeAll(() => testDatabase.create());
  afterAll(() => testDatabase.drop());

  /** Every SQL adapter on a new pool to the test database, whose tables are emptied first. */
  const openPostgresStores = async (): Promise<SqlStores> => {
    const database = await openDatabase(testDatabase.url, { poolSize: 4 });
    await testDatabase.empty(database.db);
    return wireSqlStores(database);
  };

  /** A second process: its own pool and batcher on the same database, with a clock at the same time. */
  const openAnotherProcess = async (first: SqlStores): Promise<SqlStores> =>
    wireSqlStores(await openDatabase(testDatabase.url, { poolSize: 4 }), new ManualClock(first.clock.now()));

  sqlContracts('postgres', openPostgresStores);

  describe('postgres: several processes on one database', () => {
    const opened: SqlStores[] = [];
    const open = async (stores: Promise<SqlStores>) => {
      opened.push(await stores);
      return opened[opened.length - 1]!;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((stores) => stores.close()));
    });

    it('never gives one job to two workers claiming at once from two pools', async () => {
      const first = await open(openPostgresStores());
      const second = await open(openAnotherProcess(first));
      const tenants = Array.from({ length: 5 }, () => uniqueId('tenant'));
      // 1. 200 due jobs of five tenants.
      await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          first.queue.schedule({
            name: 'conversation.turn',
            tenantId: tenants[index % tenants.length]!,
            key: uniqueId('turn'),
            payload: { index },
            runAt: first.clock.now() - 1000 + index,
            onExisting: 'replace',
          }),
        ),
      );
      // 2. Three workers per process claim in small takes until every job is out.
      let taken = 0;
      const deadline = Date.now() + 15_000;
      const work = async (stores: SqlStores, workerId: string): Promise<ClaimedJob[]> => {
        const mine: ClaimedJob[] = [];
        while (taken < 200 && Date.now() < deadline) {
          const jobs = await stores.queue.claim(workerId, 7, LEASE_MS);
          taken += jobs.length;
          mine.push(...jobs);
        }
        return mine;
      };
      const claims = await Promise.all([
        ...['a1', 'a2', 'a3'].map((worker) => work(first, worker)),
        ...['b1', 'b2', 'b3'].map((worker) => work(second, worker)),
      ]);
      // 3. Each job went to exactly one worker, and both processes took some.
      const ids = claims.flat().map((job) => job.id);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      expect(claims.slice(0, 3).flat().length).toBeGreaterThan(0);
      expect(claims.slice(3).flat().length).toBeGreaterThan(0);
      expect(await first.queue.claim('late', 100, LEASE_MS)).toEqual([]);
      expect(await second.queue.claim('late', 100, LEASE_MS)).toEqual([]);
    });

    it('gives a job claimed by key from two pools at once to one of them', async () => {
      const first = await open(openPostgresStores());
      const second = await open(openAnotherProcess(first));
      const tenantId = uniqueId('tenant');
      const keys = Array.from({ length: 50 }, () => uniqueId('deliver'));
      for (const key of keys) {
        await first.queue.schedule({ name: 'outbox.deliver', tenantId, key, payload: {}, runAt: first.clock.now(), onExisting: 'keep' });
      }
      const results = await Promise.all(
        keys.flatMap((key) => [first.queue.claimKey('worker-a', key, LEASE_MS), second.queue.claimKey('worker-b', key, LEASE_MS)]),
      );
      for (const [index, key] of keys.entries()) {
        const winners = [results[2 * index], results[2 * index + 1]].filter((job) => job !== null);
        expect(winners.map((job) => job!.key), key).toEqual([key]);
      }
    });

    it('applies a status that arrives while another process records the send', async () => {
      const sender = await open(openPostgresStores());
      const receiver = await open(openAnotherProcess(sender));
      const tenantId = uniqueId('tenant');
      const now = sender.clock.now();
      const recipients = Array.from({ length: 40 }, () => uniqueId('user'));
      await sender.outbox.add(recipients.map((recipientId) => textDraft({ tenantId, recipientId })), now);
      const messages = await Promise.all(recipients.map(async (recipientId) => (await sender.outbox.pending(tenantId, recipientId, 1))[0]!));
      // 1. Each send is recorded by one process while the other receives its "delivered" status.
      const sent = messages.map((message) => ({ message, waMessageId: uniqueId('wamid.out') }));
      await Promise.all(
        sent.flatMap(({ message, waMessageId }) => [
          sender.outbox.markSent(tenantId, message.id, waMessageId, now),
          receiver.inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId, status: 'delivered', timestampMs: now })] }),
        ]),
      );
      // 2. Whichever came first, every message ends delivered: no status stays parked.
      const states = (await sender.outbox.list({ tenantId, limit: 100 })).map((message) => message.state);
      expect(states).toEqual(recipients.map(() => 'delivered'));
      const parked = await sender.database.db.selectFrom('parked_statuses').select('id').where('tenant_id', '=', tenantId).execute();
      expect(parked).toEqual([]);
    });

    it('stores a NUL character, which PostgreSQL text cannot hold, as U+FFFD instead of failing the batch', async () => {
      const stores = await open(openPostgresStores());
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const now = stores.clock.now();
      const results = await Promise.all([
        stores.inbox.accept({ messages: [textMessage({ tenantId, userId, text: 'a\u0000b', contactName: 'N\u0000', timestampMs: now, turnDueAt: now })], statuses: [] }),
        stores.inbox.accept({ messages: [textMessage({ tenantId, userId: uniqueId('user'), timestampMs: now, turnDueAt: now })], statuses: [] }),
      ]);
      expect(results.map((result) => result.accepted)).toEqual([1, 1]);
      const turn = await stores.conversations.openTurn(tenantId, userId, now);
      expect(turn!.pending.map((message) => message.text)).toEqual(['a\uFFFDb']);
      expect(turn!.conversation.contactName).toBe('N\uFFFD');
    });

    it('returns numbers, not strings, for bigint columns', async () => {
      const stores = await open(openPostgresStores());
      const { rows } = await sql<{ big: unknown; count: unknown }>`select 9007199254740991::bigint as big, count(*) as count from jobs`.execute(stores.database.db);
      expect(rows).toEqual([{ big: Number.MAX_SAFE_INTEGER, count: 0 }]);
    });
  });

  describe('postgres: opening', () => {
    it('reports an unreachable server with its host and database, never the password', async () => {
      const url = new URL(testDatabase.url);
      url.password = 'secret-password';
      url.port = '1'; // nothing listens there
      const failure = openDatabase(url.toString());
      await expect(failure).rejects.toMatchObject({ code: 'DATABASE_OPEN_FAILED' });
      const error = (await failure.catch((caught: unknown) => caught)) as Error;
      expect(error.message).toContain(`${url.hostname}:1/${testDatabase.name}`);
      expect(error.message).not.toContain('secret-password');
    });

    it('keeps a precompiled query apart per database when one process holds SQLite and PostgreSQL', async () => {
      const [lite, postgres] = await Promise.all([openDatabase('sqlite::memory:'), openDatabase(testDatabase.url, { poolSize: 2 })]);
      try {
        const tenantId = uniqueId('tenant');
        const insert = new QueryShape((db, [tenant, content]) =>
          db.insertInto('escalations').values({ tenant_id: tenant, user_id: 'u', kind: 'keyword', trigger: content, created_at: 1 }),
        );
        const byTenant = new QueryShape((db, [tenant]) => db.selectFrom('escalations').select('trigger').where('tenant_id', '=', tenant).orderBy('id'));
        // `?` placeholders for one, `$1` for the other, whichever runs first.
        await insert.run(lite.db, [tenantId, 'lite']);
        await insert.run(postgres.db, [tenantId, 'postgres']);
        await postgres.db.transaction().execute((trx) => insert.run(trx, [tenantId, 'postgres in a transaction']));
        expect(await byTenant.rows(postgres.db, [tenantId])).toEqual([{ trigger: 'postgres' }, { trigger: 'postgres in a transaction' }]);
        expect(await byTenant.rows(lite.db, [tenantId])).toEqual([{ trigger: 'lite' }]);
      } finally {
        await Promise.all([lite.close(), postgres.close()]);
      }
    });

    it('migrates an existing database once, however often it is opened', async () => {
      const [one, two] = await Promise.all([openDatabase(testDatabase.url, { poolSize: 2 }), openDatabase(testDatabase.url, { poolSize: 2 })]);
      try {
        expect(one.dialect).toBe('postgres');
        const migrations = await one.db.selectFrom('kysely_migration' as never).select(sql<string>`name`.as('name')).execute();
        expect(migrations.length).toBeGreaterThan(0);
        expect(new Set(migrations.map((row) => row.name)).size).toBe(migrations.length);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });
}
