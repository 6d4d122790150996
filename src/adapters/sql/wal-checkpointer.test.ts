import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WriteBatcher } from './write-batcher.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-wal-'));
  dirs.push(dir);
  return path.join(dir, 'switchboard.db');
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('WAL checkpoints in a worker thread', () => {
  it('copies committed pages into the database file without the committing connection doing it', async () => {
    const file = tempFile();
    const database = await openDatabase(`sqlite:${file}`);
    // The committing connection never checkpoints, so a growing database file shows the thread's work.
    expect((await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(database.db)).rows).toEqual([{ wal_autocheckpoint: 0 }]);
    const before = statSync(file).size;
    // About 3 MB: far past the 1,000 pages at which SQLite would checkpoint inside a commit.
    const body = 'x'.repeat(3000);
    await database.db.transaction().execute(async (trx) => {
      for (let index = 0; index < 1000; index++) await sql`INSERT INTO webhook_journal (body, received_at) VALUES (${body}, ${index})`.execute(trx);
    });
    await eventually(() => statSync(file).size > before + 2_000_000, 'the pages to reach the database file');
    await database.close();

    const reopened = await openDatabase(`sqlite:${file}`);
    const [row] = await reopened.db.selectFrom('webhook_journal').select((eb) => eb.fn.countAll<number>().as('n')).execute();
    expect(Number(row!.n)).toBe(1000);
    await reopened.close();
  });

  it('starts the log over while commits keep coming, so that it does not grow without end', async () => {
    const file = tempFile();
    const native = new Database(file);
    native.pragma('journal_mode = WAL');
    native.pragma('wal_autocheckpoint = 0');
    native.pragma('journal_size_limit = 0'); // a restarted log is cut back: its size shows the restart
    native.exec('CREATE TABLE rows (body TEXT NOT NULL)');
    const checkpointer = new WalCheckpointer(file, { intervalMs: 20, restartFrames: 200, onFailure: (error) => expect.fail(error.message) });
    const insert = native.prepare('INSERT INTO rows (body) VALUES (?)');
    const body = 'x'.repeat(4000);
    const walBytes = () => statSync(`${file}-wal`).size;
    try {
      // Small commits without a pause, as a busy server makes: the log passes 200 frames again and again, and
      // only a restart brings it back; without one it would only grow, and this would time out.
      // A synchronous loop: no pause in which a PASSIVE checkpoint could catch up (the thread runs beside it).
      let peak = 0;
      let restarted = false;
      for (const deadline = Date.now() + 10_000; !restarted && Date.now() < deadline; ) {
        insert.run(body);
        peak = Math.max(peak, walBytes());
        restarted = peak > 1_000_000 && walBytes() < peak / 2;
      }
      expect(restarted, `the log grew to ${peak} bytes and was never started over`).toBe(true);
    } finally {
      await checkpointer.stop();
      native.close();
    }
  });

  it('lets transactions that read before they write wait for a restart instead of failing', async () => {
    const file = tempFile();
    const failures: Error[] = [];
    // Restarts as often as possible, while transactions read, then write 4 kB each, one after the other.
    const database = await openDatabase(`sqlite:${file}`, { checkpoint: { intervalMs: 1, restartFrames: 10 }, onCheckpointFailure: (error) => failures.push(error) });
    const batcher = new WriteBatcher(database.db);
    const body = 'x'.repeat(4000);
    try {
      for (let round = 0; round < 500; round++) {
        await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            batcher.run(async (trx) => {
              await trx.selectFrom('webhook_journal').select('id').orderBy('id', 'desc').limit(1).execute();
              await trx.insertInto('webhook_journal').values({ body, received_at: round * 10 + index }).execute();
            }),
          ),
        );
      }
      const [row] = await database.db.selectFrom('webhook_journal').select((eb) => eb.fn.countAll<number>().as('n')).execute();
      expect(Number(row!.n)).toBe(5000);
      expect(failures).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('reports a thread that cannot work, so that the commits checkpoint again', async () => {
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer(path.join(tempFile(), 'missing.db'), { intervalMs: 50, restartFrames: 1000, onFailure: (error) => failures.push(error) });
    await eventually(() => failures.length > 0, 'the failure');
    expect(failures[0]!.message).toMatch(/unable to open|directory does not exist|exited/i);
    await checkpointer.stop();
  });
});
