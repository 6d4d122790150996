import { type Kysely, sql, type Transaction } from 'kysely';
import type { Clock } from '../../ports/clock.js';
import type { ClaimedJob, DeadLetter, JobName, JobQueue, JobRequest, ScheduledJob } from '../../ports/job-queue.js';
import { dialectOf } from './dialect-of.js';
import { QueryShape, rowsOf } from './query-shape.js';
import { storableText } from './storable-text.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

type Db = Kysely<Tables> | Transaction<Tables>;

/**
 * Upserts job rows by key. Used by the queue and, inside their own transactions, by the inbox and
 * the conversation store, so that "message stored" and "turn scheduled" commit together.
 * All requests of one call must share `onExisting`.
 */
export async function scheduleJobs(db: Db, requests: JobRequest[], now: number): Promise<void> {
  if (requests.length === 0) return;
  if (dialectOf(db) === 'postgres') {
    for (const round of postgresRounds(requests)) await upsertJobRows(db, round, now);
    return;
  }
  await upsertJobRows(db, requests, now);
}

async function upsertJobRows(db: Db, requests: JobRequest[], now: number): Promise<void> {
  const replace = requests[0]!.onExisting === 'replace';
  const args = requests.flatMap((request) => [request.name, request.tenantId, request.key, JSON.stringify(request.payload), request.runAt, now]);
  await (replace ? upsertJobsReplace : upsertJobsKeep).run(db, args, requests.length);
}

/**
 * PostgreSQL refuses an ON CONFLICT DO UPDATE that touches one row twice, which SQLite applies in
 * order: the n-th request of a key goes into the n-th statement. Each statement upserts in key order,
 * so two transactions scheduling the same keys lock their rows in the same order instead of deadlocking.
 */
function postgresRounds(requests: JobRequest[]): JobRequest[][] {
  const rounds: JobRequest[][] = [];
  const seen = new Map<string, number>();
  for (const request of requests) {
    const round = seen.get(request.key) ?? 0;
    seen.set(request.key, round + 1);
    (rounds[round] ??= []).push(request);
  }
  return rounds.map((round) => round.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
}

function upsertJobs(replace: boolean) {
  return new QueryShape((db, slots, rows) =>
    db
      .insertInto('jobs')
      .values(
        rowsOf(slots, rows).map(([name, tenantId, key, payload, runAt, now]) => ({
          name,
          tenant_id: tenantId,
          job_key: key,
          payload,
          run_at: runAt,
          attempts: 0,
          dirty: 0,
          created_at: now,
          on_existing: replace ? 'replace' : 'keep',
        })),
      )
      .onConflict((conflict) =>
        conflict.column('job_key').doUpdateSet({
          // A job that runs right now must run once more, for the work scheduled during the run;
          // its run_at is its lease's expiry until then, so it is left alone.
          dirty: sql`CASE WHEN jobs.locked_by IS NOT NULL THEN 1 ELSE jobs.dirty END`,
          rerun_at: sql`CASE WHEN jobs.locked_by IS NOT NULL THEN excluded.run_at ELSE jobs.rerun_at END`,
          payload: sql`excluded.payload`,
          on_existing: sql`excluded.on_existing`,
          run_at: replace ? sql`CASE WHEN jobs.locked_by IS NOT NULL THEN jobs.run_at ELSE excluded.run_at END` : sql`jobs.run_at`,
        }),
      ),
  );
}
const upsertJobsReplace = upsertJobs(true);
const upsertJobsKeep = upsertJobs(false);

/** Upserts one job row by key (see scheduleJobs). */
export function scheduleJob(db: Db, request: JobRequest, now: number): Promise<void> {
  return scheduleJobs(db, [request], now);
}

/** How many of the oldest due jobs a claim looks at when spreading the take across tenants. */
const CLAIM_SCAN = 200;

/**
 * The oldest due jobs: what a claim chooses from. Running jobs are not due (their run_at is the lease's end).
 * On PostgreSQL several processes claim at once: the rows are locked until the claim commits, and rows
 * another claim has locked are skipped, so each process chooses among jobs nobody else is taking.
 * (SQLite has one writer at a time; the `run_at <= now` of takeJobs is the fence in both.)
 */
const oldestDue = new QueryShape((db, [now], _variant, dialect) =>
  db
    .selectFrom('jobs')
    .select(['id', 'tenant_id'])
    .where('run_at', '<=', now)
    .orderBy('run_at')
    .orderBy('id')
    // A literal: SQLite re-prepares a statement whose LIMIT is bound, on every run (see literalLimit).
    .limit(sql.lit(CLAIM_SCAN))
    .$if(dialect === 'postgres', (query) => query.forUpdate().skipLocked()),
);

/**
 * A claimed job's run_at becomes its lease's expiry: the due-jobs index then skips running jobs, and a
 * job whose worker died is simply due again.
 */
function leasedTo(workerId: unknown, leaseUntil: unknown) {
  return { locked_by: workerId as string, run_at: leaseUntil as number, attempts: sql<number>`attempts + 1`, dirty: 0, rerun_at: null };
}

const takeJobs = new QueryShape((db, [workerId, leaseUntil, now, ...ids]) =>
  db
    .updateTable('jobs')
    .set(leasedTo(workerId, leaseUntil))
    .where('id', 'in', ids)
    .where('run_at', '<=', now)
    .returning(['id', 'name', 'tenant_id', 'job_key', 'payload', 'attempts']),
);

function toClaimedJob(
  row: { id: number; name: string; tenant_id: string; job_key: string; payload: string; attempts: number },
  workerId: string,
): ClaimedJob {
  return {
    id: String(row.id),
    name: row.name as JobName,
    tenantId: row.tenant_id,
    key: row.job_key,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: row.attempts,
    workerId,
  };
}

/** Round-robin across tenants: the n-th due job of every tenant goes before the (n+1)-th of any. */
function roundRobin(due: Array<{ id: number; tenant_id: string }>, limit: number): number[] {
  const queues = new Map<string, number[]>();
  for (const job of due) {
    const queue = queues.get(job.tenant_id);
    if (queue) queue.push(job.id);
    else queues.set(job.tenant_id, [job.id]);
  }
  const chosen: number[] = [];
  for (let round = 0; chosen.length < limit; round++) {
    let any = false;
    for (const queue of queues.values()) {
      if (round < queue.length) {
        any = true;
        chosen.push(queue[round]!);
        if (chosen.length === limit) break;
      }
    }
    if (!any) break;
  }
  return chosen;
}

const takeKey = new QueryShape((db, [workerId, leaseUntil, now, key]) =>
  db
    .updateTable('jobs')
    .set(leasedTo(workerId, leaseUntil))
    .where('job_key', '=', key)
    .where('run_at', '<=', now)
    .returning(['id', 'name', 'tenant_id', 'job_key', 'payload', 'attempts']),
);

const deleteFinished = new QueryShape((db, [id, workerId, attempts]) =>
  db.deleteFrom('jobs').where('id', '=', id).where('locked_by', '=', workerId).where('attempts', '=', attempts).where('dirty', '=', 0),
);

const earliestDue = new QueryShape((db) => db.selectFrom('jobs').select((eb) => eb.fn.min<number>('run_at').as('due')));

/** The job queue of the embedded deployment: rows with a lease, in the same database as the data. */
export class SqlJobQueue implements JobQueue {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
    private readonly clock: Clock,
  ) {}

  async schedule(request: JobRequest): Promise<void> {
    await this.batcher.run((trx) => scheduleJob(trx, request, this.clock.now()));
  }

  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    if (limit <= 0) return [];
    const now = this.clock.now();
    const rows = await this.batcher.run(async (trx) => {
      const chosen = roundRobin(await oldestDue.rows(trx, [now]), limit);
      return chosen.length === 0 ? [] : takeJobs.rows(trx, [workerId, now + leaseMs, now, ...chosen], chosen.length);
    });
    return rows.map((row) => toClaimedJob(row, workerId));
  }

  async claimKey(workerId: string, key: string, leaseMs: number): Promise<ClaimedJob | null> {
    const now = this.clock.now();
    const [row] = await this.batcher.run((trx) => takeKey.rows(trx, [workerId, now + leaseMs, now, key]));
    return row ? toClaimedJob(row, workerId) : null;
  }

  async complete(job: ClaimedJob): Promise<void> {
    const id = Number(job.id);
    await this.batcher.run(async (trx) => {
      const deleted = await deleteFinished.run(trx, [id, job.workerId, job.attempts]);
      if (Number(deleted.numAffectedRows ?? 0) > 0) return;
      // Scheduled again while it ran: due again, at the time the new work asked for.
      await trx
        .updateTable('jobs')
        .set({ locked_by: null, run_at: sql`coalesce(rerun_at, ${this.clock.now()})`, rerun_at: null, dirty: 0, attempts: 0, last_error: null })
        .where('id', '=', id)
        .where('locked_by', '=', job.workerId)
        .where('attempts', '=', job.attempts)
        .execute();
    });
  }

  async retryLater(job: ClaimedJob, runAt: number, error: string): Promise<void> {
    await this.batcher.run((trx) => trx
      .updateTable('jobs')
      .set({ locked_by: null, run_at: runAt, dirty: 0, rerun_at: null, last_error: storableText(dialectOf(trx), error.slice(0, 1000)) })
      .where('id', '=', Number(job.id))
      .where('locked_by', '=', job.workerId)
      .where('attempts', '=', job.attempts)
      .execute());
  }

  /**
   * Not now, and not a failure (a tenant over its limit): the lease is released, the job is due at `runAt`
   * and the attempt this claim counted is given back. Work scheduled during the run is in the job anyway.
   */
  async defer(job: ClaimedJob, runAt: number): Promise<void> {
    await this.batcher.run((trx) => trx
      .updateTable('jobs')
      .set({ locked_by: null, run_at: runAt, dirty: 0, rerun_at: null, attempts: sql<number>`attempts - 1` })
      .where('id', '=', Number(job.id))
      .where('locked_by', '=', job.workerId)
      .where('attempts', '=', job.attempts)
      .execute());
  }

  async deadLetter(job: ClaimedJob, error: string): Promise<void> {
    const now = this.clock.now();
    await this.batcher.run(async (trx) => {
      const row = await trx
        .selectFrom('jobs')
        .select(['payload', 'dirty', 'rerun_at'])
        .where('id', '=', Number(job.id))
        .where('locked_by', '=', job.workerId)
        .where('attempts', '=', job.attempts)
        // PostgreSQL: held until commit, so another process cannot claim the job (expired lease) between this read and the delete.
        .$if(dialectOf(trx) === 'postgres', (query) => query.forUpdate())
        .executeTakeFirst();
      if (!row) return;
      await trx
        .insertInto('dead_letters')
        .values({
          job_name: job.name,
          tenant_id: job.tenantId,
          job_key: job.key,
          payload: row.payload,
          attempts: job.attempts,
          error: storableText(dialectOf(trx), error.slice(0, 2000)),
          failed_at: now,
        })
        .execute();
      if (row.dirty === 0) {
        await trx.deleteFrom('jobs').where('id', '=', Number(job.id)).execute();
        return;
      }
      // Work arrived while it ran (a new message, a new reply): that work gets a fresh job.
      await trx
        .updateTable('jobs')
        .set({ locked_by: null, run_at: row.rerun_at ?? now, rerun_at: null, dirty: 0, attempts: 0, last_error: null })
        .where('id', '=', Number(job.id))
        .execute();
    });
  }

  async nextDueAt(): Promise<number | null> {
    const [row] = await earliestDue.rows(this.db, []);
    return row?.due === null || row?.due === undefined ? null : Number(row.due);
  }

  async releaseLeasesExcept(workerIds: string[]): Promise<number> {
    let query = this.db.updateTable('jobs').set({ locked_by: null, run_at: this.clock.now() }).where('locked_by', 'is not', null);
    if (workerIds.length > 0) query = query.where('locked_by', 'not in', workerIds);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async listDeadLetters(filter: { tenantId?: string; limit?: number; beforeId?: string }): Promise<DeadLetter[]> {
    let query = this.db.selectFrom('dead_letters').selectAll().orderBy('id', 'desc').limit(Math.min(filter.limit ?? 50, 500));
    if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
    if (filter.beforeId !== undefined) {
      // An id that is no number matches nothing; PostgreSQL would refuse it (or one past bigint) outright.
      const beforeId = Number(filter.beforeId);
      if (Number.isNaN(beforeId)) return [];
      query = query.where('id', '<', Math.min(beforeId, Number.MAX_SAFE_INTEGER));
    }
    const rows = await query.execute();
    return rows.map((row) => ({
      id: String(row.id),
      jobName: row.job_name as JobName,
      tenantId: row.tenant_id,
      key: row.job_key,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
      attempts: row.attempts,
      error: row.error,
      failedAt: Number(row.failed_at),
      retriedAt: row.retried_at === null ? null : Number(row.retried_at),
    }));
  }

  async retryDeadLetter(id: string, tenantId?: string): Promise<boolean> {
    const now = this.clock.now();
    if (!Number.isSafeInteger(Number(id))) return false; // no such id; PostgreSQL would refuse it rather than find nothing
    return this.batcher.run(async (trx) => {
      let query = trx.selectFrom('dead_letters').selectAll().where('id', '=', Number(id)).where('retried_at', 'is', null);
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      // PostgreSQL: two concurrent retries of one letter wait for each other; the second then finds it retried.
      if (dialectOf(trx) === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return false;
      await scheduleJob(
        trx,
        {
          name: row.job_name as JobName,
          tenantId: row.tenant_id,
          key: row.job_key,
          payload: JSON.parse(row.payload) as Record<string, unknown>,
          runAt: now,
          onExisting: 'replace',
        },
        now,
      );
      await trx.updateTable('dead_letters').set({ retried_at: now }).where('id', '=', row.id).execute();
      return true;
    });
  }

  async cancel(tenantId: string, key: string): Promise<boolean> {
    return this.batcher.run(async (trx) => (await cancelJobs(trx, tenantId, [key])) > 0);
  }

  async listScheduled(filter: { tenantId: string; name: JobName; limit: number }): Promise<ScheduledJob[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('tenant_id', '=', filter.tenantId)
      .where('name', '=', filter.name)
      .orderBy('run_at')
      .orderBy('id')
      .limit(Math.min(filter.limit, 500))
      .execute();
    return rows.map((row) => ({
      key: row.job_key,
      name: row.name as JobName,
      tenantId: row.tenant_id,
      payload: JSON.parse(row.payload) as Record<string, unknown>,
      runAt: Number(row.run_at),
      attempts: Number(row.attempts),
      running: row.locked_by !== null,
    }));
  }
}

/** Removes a tenant's jobs by key, except running ones (their handler decides); returns how many went. */
export async function cancelJobs(db: Db, tenantId: string, keys: string[]): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await db.deleteFrom('jobs').where('tenant_id', '=', tenantId).where('job_key', 'in', keys).where('locked_by', 'is', null).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
