import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { TenantMessage, TenantStatus } from '../../ports/inbox.js';
import type { Distribution, JournalBacklog, JournalEntry, WebhookJournal } from '../../ports/webhook-journal.js';
import { literalLimit } from './literal-limit.js';
import { QueryShape, rowsOf } from './query-shape.js';
import { storeInbound } from './sql-inbox.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';
import { coalesceWrites } from './coalesce-writes.js';

/**
 * The embedded webhook journal. Appends that arrive while one is pending are written together, in one multi-row
 * insert inside the batcher's group commit: a row with no secondary index, so the request path pays for little
 * more than its share of a commit. Distribution runs the inbox's store in the same transaction as the delete.
 */
export class SqlWebhookJournal implements WebhookJournal {
  private readonly insert: (entry: { body: string; receivedAtMs: number }) => Promise<void>;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
    private readonly clock: Clock,
  ) {
    this.insert = coalesceWrites(batcher, async (trx, entries: Array<{ body: string; receivedAtMs: number }>) => {
      for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
        const chunk = entries.slice(start, start + INSERT_CHUNK);
        await insertEntries.run(trx, chunk.flatMap((entry) => [entry.body, entry.receivedAtMs]), chunk.length);
      }
      return entries.map(() => undefined);
    });
  }

  async backlog(): Promise<JournalBacklog> {
    const [row] = await backlogQuery.rows(this.db, []);
    const oldest = row?.oldest ?? null;
    return { entries: Number(row?.entries ?? 0), oldestReceivedAtMs: oldest === null ? null : Number(oldest) };
  }

  append(body: string, receivedAtMs: number): Promise<void> {
    return this.insert({ body, receivedAtMs });
  }

  distribute(limit: number, toBatch: (entries: JournalEntry[]) => { messages: TenantMessage[]; statuses: TenantStatus[] }): Promise<Distribution> {
    return this.batcher.run(async (trx) => {
      const rows = await oldestEntries.rows(trx, [], literalLimit(limit));
      if (rows.length === 0) return { taken: 0, stored: [], result: { accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 } };
      const batch = toBatch(rows.map((row) => ({ id: Number(row.id), body: row.body, receivedAtMs: Number(row.received_at) })));
      const { results, stored } = await storeInbound(trx, [batch], this.clock.now());
      // By id, not by range: on PostgreSQL a lower id can commit after a higher one was read.
      const ids = rows.map((row) => row.id);
      const slots = paddedSize(ids.length);
      await deleteEntries.run(trx, [...ids, ...Array<number>(slots - ids.length).fill(ids[0]!)], slots);
      return { taken: rows.length, stored, result: results[0]! };
    });
  }
}

const insertEntries = new QueryShape((db, slots, rows) =>
  db.insertInto('webhook_journal').values(rowsOf(slots, rows).map(([body, receivedAt]) => ({ body, received_at: receivedAt }))),
);

/** The variant is the limit (see literalLimit). */
const oldestEntries = new QueryShape((db, _slots, limit) => db.selectFrom('webhook_journal').select(['id', 'body', 'received_at']).orderBy('id').limit(sql.lit(limit)));

const backlogQuery = new QueryShape((db) =>
  db.selectFrom('webhook_journal').select((eb) => [eb.fn.countAll<number>().as('entries'), eb.fn.min<number | null>('received_at').as('oldest')]),
);

const deleteEntries = new QueryShape((db, ids) => db.deleteFrom('webhook_journal').where('id', 'in', ids));

/** The next power of two: a handful of compiled delete statements instead of one per count. */
function paddedSize(count: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, count)));
}

/** Rows per multi-row insert (two parameters each): well under both dialects' bound-parameter limits. */
const INSERT_CHUNK = 500;
