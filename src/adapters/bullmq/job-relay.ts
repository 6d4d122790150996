import type { Kysely, Selectable } from 'kysely';
import type { JobName, JobQueue, JobRequest } from '../../ports/job-queue.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { dialectOf } from '../sql/dialect-of.js';
import type { Tables } from '../sql/tables.js';
import type { WriteBatcher } from '../sql/write-batcher.js';

export interface JobRelayOptions {
  /** The database whose `jobs` table is the transactional outbox. */
  db: Kysely<Tables>;
  /** SQLite's deletes go through the group commit (one writer); PostgreSQL deletes in the relay's own transaction. */
  batcher: WriteBatcher;
  /** Where the jobs go: the BullMQ queue. */
  target: JobQueue;
  log: Logger;
  /** How often rows written by other processes (api processes' turn jobs) are looked for. Default 100 ms. */
  pollMs?: number;
  /** Rows moved per pass. Default 200. */
  batchSize?: number;
}

type JobRow = Pick<Selectable<Tables['jobs']>, 'id' | 'name' | 'tenant_id' | 'job_key' | 'payload' | 'run_at' | 'on_existing'>;

/**
 * Scale mode's transactional outbox. The SQL adapters schedule jobs inside their own transactions (the inbox's
 * turn, a turn's deliveries and follow-ups), so "message stored" and "turn scheduled" commit together; those
 * rows land in the SQL `jobs` table, which BullMQ never reads. The relay, running in every process with a
 * worker, schedules each row on the target queue (its runAt, onExisting and payload) and then deletes exactly
 * the rows it relayed: a row updated meanwhile (a debounce moved its due time) no longer matches and is
 * relayed again on the next pass.
 *
 * At least once: a crash between the schedule and the delete relays the row again, which is safe because the
 * target keeps one job per key. Several relaying processes: on PostgreSQL each pass locks its rows
 * (`FOR UPDATE SKIP LOCKED`), so passes of other processes take other rows; on SQLite there is one process.
 */
export class JobRelay {
  private readonly pollMs: number;
  private readonly batchSize: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeRequested = false;

  constructor(private readonly options: JobRelayOptions) {
    this.pollMs = options.pollMs ?? 100;
    this.batchSize = options.batchSize ?? 200;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** A local commit wrote job rows: relay them now rather than at the next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  /** Stops polling after the pass in progress, then relays what is left once (rows committed before the stop). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await this.drain().catch((error: unknown) => this.options.log.warn(describeError(error), 'jobs.relay_failed'));
  }

  /** Relays until no row is left; returns how many were moved. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await this.relayOnce();
      total += moved;
      if (moved < this.batchSize) return total;
    }
  }

  /** One pass: up to `batchSize` rows, oldest first. Returns how many were moved. */
  async relayOnce(): Promise<number> {
    const { db } = this.options;
    if (dialectOf(db) === 'postgres') {
      return db.transaction().execute(async (trx) => {
        // Locked until this transaction ends: another relay skips them, and a writer upserting one of these keys
        // waits, then (the row being gone) inserts a new row, which the next pass relays.
        const rows = await trx
          .selectFrom('jobs')
          .select(['id', 'name', 'tenant_id', 'job_key', 'payload', 'run_at', 'on_existing'])
          .orderBy('id')
          .limit(this.batchSize)
          .forUpdate()
          .skipLocked()
          .execute();
        if (rows.length === 0) return 0;
        await this.schedule(rows);
        await trx.deleteFrom('jobs').where('id', 'in', rows.map((row) => row.id)).execute();
        return rows.length;
      });
    }
    const rows = await db
      .selectFrom('jobs')
      .select(['id', 'name', 'tenant_id', 'job_key', 'payload', 'run_at', 'on_existing'])
      .orderBy('id')
      .limit(this.batchSize)
      .execute();
    if (rows.length === 0) return 0;
    await this.schedule(rows);
    await this.options.batcher.run(async (trx) => {
      for (const row of rows) {
        // Only the row as relayed: one rescheduled meanwhile (new due time or payload) stays for the next pass.
        await trx
          .deleteFrom('jobs')
          .where('id', '=', row.id)
          .where('run_at', '=', row.run_at)
          .where('payload', '=', row.payload)
          .where('on_existing', '=', row.on_existing)
          .execute();
      }
    });
    return rows.length;
  }

  private async schedule(rows: JobRow[]): Promise<void> {
    // Rows hold distinct keys (job_key is unique), so their schedules do not depend on each other's order.
    await Promise.all(rows.map((row) => this.options.target.schedule(toRequest(row))));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let moved = 0;
      this.wakeRequested = false;
      try {
        moved = await this.relayOnce();
      } catch (error) {
        this.options.log.warn(describeError(error), 'jobs.relay_failed');
      }
      if (!this.running) return;
      if (moved === this.batchSize || this.wakeRequested) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeUp = done;
      });
      this.wakeUp = null;
    }
  }
}

function toRequest(row: JobRow): JobRequest {
  return {
    name: row.name as JobName,
    tenantId: row.tenant_id,
    key: row.job_key,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    runAt: Number(row.run_at),
    onExisting: row.on_existing === 'keep' ? 'keep' : 'replace',
  };
}
