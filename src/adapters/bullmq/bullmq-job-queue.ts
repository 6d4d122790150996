import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../../ports/clock.js';
import type { ClaimedJob, DeadLetter, JobName, JobQueue, JobRequest, ScheduledJob } from '../../ports/job-queue.js';
import { describeError, SwitchboardError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { RedisScript } from './redis-script.js';

/** What one BullMQ job of ours carries; `runAt` is the due time asked for (BullMQ only keeps a delay). */
interface JobData {
  tenantId: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: number;
}

export interface BullmqJobQueueOptions {
  /**
   * Used for scheduling, listings and our few scripts; claims use a duplicate of it that this queue owns
   * (BullMQ's worker needs `maxRetriesPerRequest: null`). Not closed by `close`. No ioredis `keyPrefix`.
   */
  connection: Redis;
  clock: Clock;
  /** First part of every key (a run of the tests uses its own). Default `switchboard`; on Redis Cluster use `{switchboard}`. */
  prefix?: string;
  /**
   * Lock of a claimed job. A live worker keeps it with `renewLeases`; once it expires the stalled check puts
   * the job back, so a dead worker's jobs come back within about `leaseMs + 2 × stalledIntervalMs`. Default 30 s.
   */
  leaseMs?: number;
  /** How often this process looks for jobs whose lock expired (BullMQ's stalled check). Default 10 s. */
  stalledIntervalMs?: number;
  /** A job that lost its worker more often than this is dead-lettered instead of run again. Default 3. */
  maxStalledCount?: number;
  /** The span over which a tenant's scheduled jobs count against its priority (see fairPriority). Default 60 s. */
  fairnessWindowMs?: number;
  log?: Logger;
}

/** BullMQ's highest priority number (its lowest priority). */
const PRIORITY_LIMIT = 2_097_151;
/** Fairness counts per tenant are kept in this many buckets across the window. */
const FAIRNESS_BUCKETS = 6;
/** Job ids are read from BullMQ's sets in slices of this many. */
const PAGE = 100;
/** BullMQ scores a delayed job by its due time times 4096 (the low bits keep FIFO within one millisecond). */
const DELAY_SCORE_FACTOR = 0x1000;

/**
 * One more job scheduled for a tenant within the window; returns how many it now has there. Buckets older
 * than the window are dropped, so the count needs no bookkeeping when jobs run, fail or are cancelled.
 */
const countScheduled = new RedisScript(`
local bucket = tonumber(ARGV[1])
local buckets = tonumber(ARGV[2])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local total = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  if tonumber(entries[i]) <= bucket - buckets then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    total = total + tonumber(entries[i + 1])
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return total`);

/**
 * After a job finished: if its key has no job any more, forget the key in the tenant's listing; else return
 * the key's next job (a rerun BullMQ created for work scheduled during the run) when it is delayed:
 * { id, delayed score, data }.
 */
const afterFinish = new RedisScript(`
local id = redis.call('GET', KEYS[1])
if not id then
  redis.call('SREM', KEYS[2], ARGV[1])
  return false
end
local score = redis.call('ZSCORE', KEYS[3], id)
if not score then return false end
return {id, score, redis.call('HGET', ARGV[2] .. id, 'data')}`);

/**
 * A deferral is no attempt: while the claim's lock (KEYS[2]) is still ours (ARGV[1]), give back the start
 * this claim counted (`ats`, BullMQ's attemptsStarted). Returns 1 when done.
 */
const uncountStart = new RedisScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('HINCRBY', KEYS[1], 'ats', -1)
  return 1
end
return 0`);

/** Marks a dead letter retried, once: 1 the first time, 0 afterwards or when it is no dead letter (any more). */
const markRetried = new RedisScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.call('HSETNX', KEYS[2], 'switchboardRetriedAt', ARGV[2])
end
return 0`);

/** What claims need: BullMQ's worker (used without a processor) and its connection. */
interface Consumer {
  worker: Worker<JobData>;
  connection: Redis;
}

/** The lock and the BullMQ job of a claim made by this process. */
interface Claim {
  job: Job<JobData>;
  token: string;
}

/**
 * The job queue of the scale deployment: one BullMQ queue in Redis shared by every process.
 *
 * - One job per key: the key is BullMQ's deduplication id (not the job id, which must change for a rerun).
 *   `replace` removes a delayed job and adds the new one (debounce); `keep` leaves it. A key scheduled while its
 *   job runs is stored by BullMQ (`keepLastIfActive`) and becomes a new job when the run finishes, due at the
 *   time asked for (a delayed rerun is moved there after the finish, since BullMQ counts its delay from then).
 *   A job already due and waiting stays due on `replace` (the SQL queue would move it): its run reads every
 *   message anyway.
 * - Claims take jobs with BullMQ's manual processing (`Worker.getNextJob`) under a lock token of their own;
 *   `complete`, `retryLater` and `deadLetter` carry the token, so a run whose lock expired changes nothing.
 *   Workers keep their locks with `renewLeases`; this process runs BullMQ's stalled check, which puts jobs of
 *   dead workers back. `releaseLeasesExcept` has nothing to do and `claimKey` returns null (BullMQ cannot take a
 *   given job): the next claim takes the job.
 * - Attempts are BullMQ's `attemptsStarted`; dead letters are BullMQ's failed set, ids are BullMQ job ids.
 * - Fairness: priorities, see `fairPriority`.
 */
export class BullmqJobQueue implements JobQueue {
  private readonly queue: Queue<JobData>;
  private readonly connection: Redis;
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly prefix: string;
  private readonly leaseMs: number;
  private readonly stalledIntervalMs: number;
  private readonly maxStalledCount: number;
  private readonly fairnessBucketMs: number;
  /** Created at the first claim: API-only processes never hold a worker connection. */
  private consumer: Promise<Consumer> | null = null;
  private readonly claims = new Map<string, Claim>();
  private closed = false;

  static readonly queueName = 'jobs';

  constructor(options: BullmqJobQueueOptions) {
    this.connection = options.connection;
    this.clock = options.clock;
    this.log = options.log;
    this.prefix = options.prefix ?? 'switchboard';
    this.leaseMs = options.leaseMs ?? 30_000;
    this.stalledIntervalMs = options.stalledIntervalMs ?? 10_000;
    this.maxStalledCount = options.maxStalledCount ?? 3;
    this.fairnessBucketMs = Math.max(1, Math.round((options.fairnessWindowMs ?? 60_000) / FAIRNESS_BUCKETS));
    this.queue = new Queue<JobData>(BullmqJobQueue.queueName, { connection: this.connection, prefix: this.prefix });
    this.queue.on('error', (error) => this.log?.error(describeError(error), 'jobs.redis_failed'));
  }

  async schedule(request: JobRequest): Promise<void> {
    const now = this.clock.now();
    const priority = await this.fairPriority(request.tenantId, now);
    const data: JobData = { tenantId: request.tenantId, key: request.key, payload: request.payload, runAt: request.runAt };
    const options: JobsOptions = {
      deduplication: { id: request.key, keepLastIfActive: true, ...(request.onExisting === 'replace' ? { replace: true } : {}) },
      // BullMQ's due time is `timestamp + delay`: both from our clock, so it is exactly runAt.
      timestamp: now,
      delay: Math.max(0, request.runAt - now),
      priority,
      attempts: 1, // retries are the worker's (backoff.ts), as in the embedded deployment
      removeOnComplete: true,
    };
    await this.queue.add(request.name, data, options);
    // After the add: a concurrent afterFinish that saw no job then cannot remove the key listed here.
    await this.connection.sadd(this.listedKey(request.tenantId, request.name), request.key);
  }

  async claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
    if (limit <= 0) return [];
    const { worker } = await this.ensureConsumer();
    const claimed: ClaimedJob[] = [];
    try {
      while (claimed.length < limit) {
        const token = `${workerId}:${randomUUID()}`;
        const job = (await worker.getNextJob(token, { block: false })) as Job<JobData> | undefined;
        if (!job) break;
        if (job.deferredFailure) {
          await this.deadLetterStalled(job, token);
          continue;
        }
        if (leaseMs !== this.leaseMs) await job.extendLock(token, leaseMs);
        const claimedJob: ClaimedJob = {
          id: String(job.id),
          name: job.name as JobName,
          tenantId: job.data.tenantId,
          key: job.data.key,
          payload: job.data.payload,
          attempts: job.attemptsStarted,
          workerId,
        };
        this.claims.set(claimId(claimedJob), { job, token });
        claimed.push(claimedJob);
      }
    } catch (error) {
      // Jobs already taken are locked: run them rather than leave them to the stalled check.
      if (claimed.length === 0) throw error;
      this.log?.warn({ claimed: claimed.length, ...describeError(error) }, 'jobs.claim_cut_short');
    }
    return claimed;
  }

  async claimKey(): Promise<ClaimedJob | null> {
    return null;
  }

  async complete(job: ClaimedJob): Promise<void> {
    if (await this.finish(job, (claim) => claim.job.moveToCompleted(null, claim.token, false))) await this.afterFinish(job);
  }

  async retryLater(job: ClaimedJob, runAt: number): Promise<void> {
    // The worker logs the error; BullMQ keeps no error on a job moved back to delayed.
    await this.finish(job, (claim) => claim.job.moveToDelayed(runAt, claim.token));
  }

  /** Back to delayed until `runAt` without counting the run: its start is given back before the move. */
  async defer(job: ClaimedJob, runAt: number): Promise<void> {
    const claim = this.claims.get(claimId(job));
    if (!claim) return;
    await uncountStart.run(this.connection, [this.key(job.id), this.key(`${job.id}:lock`)], [claim.token]);
    await this.finish(job, (held) => held.job.moveToDelayed(runAt, held.token));
  }

  async deadLetter(job: ClaimedJob, error: string): Promise<void> {
    if (await this.finish(job, (claim) => claim.job.moveToFailed(reason(error), claim.token, false))) await this.afterFinish(job);
  }

  /**
   * Extends the locks of jobs this process runs (a live worker calls it every third of the lease); returns
   * those whose lock was lost: the stalled check gave them to another worker, whose run is the one that counts.
   */
  async renewLeases(jobs: ClaimedJob[], leaseMs: number): Promise<ClaimedJob[]> {
    const held = jobs.flatMap((job) => {
      const claim = this.claims.get(claimId(job));
      return claim ? [{ job, claim }] : [];
    });
    if (held.length === 0 || !this.consumer) return [];
    const { worker } = await this.consumer;
    const failed = new Set(
      await worker.extendJobLocks(
        held.map(({ job }) => job.id),
        held.map(({ claim }) => claim.token),
        leaseMs,
      ),
    );
    // A job completed while its renewal was on the way has no lock any more, and was not lost.
    return held.filter(({ job }) => failed.has(job.id) && this.claims.has(claimId(job))).map(({ job }) => job);
  }

  /**
   * Starts BullMQ's stalled check in this process (a worker process calls it at start; `claim` and `nextDueAt`
   * start it too). Without one running somewhere, a dead worker's jobs are never given back.
   */
  async startStalledCheck(): Promise<void> {
    await this.ensureConsumer();
  }

  async nextDueAt(): Promise<number | null> {
    // Only workers ask: one that found nothing due for a while must still give back the jobs of dead ones.
    await this.ensureConsumer();
    const results = await this.connection
      .multi()
      .llen(this.key('wait'))
      .zcard(this.key('prioritized'))
      .zrange(this.key('delayed'), 0, 0, 'WITHSCORES')
      .exec();
    const [waiting, prioritized, delayed] = (results ?? []).map(([error, value]) => {
      if (error) throw error;
      return value;
    });
    if (Number(waiting) > 0 || Number(prioritized) > 0) return this.clock.now();
    const first = delayed as string[];
    return first.length === 2 ? Math.floor(Number(first[1]) / DELAY_SCORE_FACTOR) : null;
  }

  /** Nothing to free: BullMQ's stalled check gives the jobs of dead workers back once their locks expire. */
  async releaseLeasesExcept(): Promise<number> {
    return 0;
  }

  async listDeadLetters(filter: { tenantId?: string; limit?: number; beforeId?: string }): Promise<DeadLetter[]> {
    const limit = Math.min(filter.limit ?? 50, 500);
    const before = filter.beforeId === undefined ? Number.POSITIVE_INFINITY : Number(filter.beforeId);
    if (Number.isNaN(before)) return [];
    // Newest first by id, as in the embedded deployment; the tenant filter reads jobs until it has enough.
    const ids = (await this.connection.zrange(this.key('failed'), 0, -1))
      .map(Number)
      .filter((id) => Number.isSafeInteger(id) && id < before)
      .sort((a, b) => b - a);
    const letters: DeadLetter[] = [];
    for (let start = 0; start < ids.length && letters.length < limit; start += PAGE) {
      const page = ids.slice(start, start + PAGE).map(String);
      const jobs = await Promise.all(page.map((id) => this.queue.getJob(id) as Promise<Job<JobData> | undefined>));
      const retried = await this.pipeline(page.map((id) => ['hget', this.key(id), 'switchboardRetriedAt']));
      for (const [index, job] of jobs.entries()) {
        if (!job || (filter.tenantId !== undefined && job.data.tenantId !== filter.tenantId)) continue;
        letters.push({
          id: String(job.id),
          jobName: job.name as JobName,
          tenantId: job.data.tenantId,
          key: job.data.key,
          payload: job.data.payload,
          attempts: job.attemptsStarted,
          error: job.failedReason ?? '',
          failedAt: Number(job.finishedOn ?? 0),
          retriedAt: retried[index] === null ? null : Number(retried[index]),
        });
        if (letters.length === limit) break;
      }
    }
    return letters;
  }

  async retryDeadLetter(id: string, tenantId?: string): Promise<boolean> {
    if (!/^\d+$/.test(id)) return false; // job ids are numbers; anything else would name another key
    const job = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    if (!job || (tenantId !== undefined && job.data.tenantId !== tenantId)) return false;
    const [failedScore, retriedAt] = await this.pipeline([
      ['zscore', this.key('failed'), id],
      ['hget', this.key(id), 'switchboardRetriedAt'],
    ]);
    if (failedScore === null || retriedAt !== null) return false;
    const now = this.clock.now();
    // Scheduling first: two retries racing schedule one key twice, which is one job; only one marks the letter.
    await this.schedule({ name: job.name as JobName, tenantId: job.data.tenantId, key: job.data.key, payload: job.data.payload, runAt: now, onExisting: 'replace' });
    return (await markRetried.run(this.connection, [this.key('failed'), this.key(id)], [id, now])) === 1;
  }

  async cancel(tenantId: string, key: string): Promise<boolean> {
    const id = await this.connection.get(this.key(`de:${key}`));
    if (id === null) return false;
    const job = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    if (!job || job.data.tenantId !== tenantId) return false;
    // BullMQ refuses to remove a locked (running) job: its handler decides.
    const removed = (await this.queue.remove(id)) === 1;
    if (removed) await this.afterFinish({ tenantId, key, name: job.name as JobName });
    return removed;
  }

  async listScheduled(filter: { tenantId: string; name: JobName; limit: number }): Promise<ScheduledJob[]> {
    const listedKey = this.listedKey(filter.tenantId, filter.name);
    const keys = await this.connection.smembers(listedKey);
    const ids = (await this.pipeline(keys.map((key) => ['get', this.key(`de:${key}`)]))) as Array<string | null>;
    const found = keys.flatMap((key, index) => (ids[index] ? [{ key, id: ids[index]! }] : []));
    const gone = keys.filter((_key, index) => !ids[index]);
    if (gone.length > 0) await this.connection.srem(listedKey, ...gone);
    const now = this.clock.now();
    const jobs = await Promise.all(found.map(({ id }) => this.queue.getJob(id) as Promise<Job<JobData> | undefined>));
    const timing = await this.pipeline(found.flatMap(({ id }) => [['pttl', this.key(`${id}:lock`)], ['zscore', this.key('delayed'), id]]));
    const scheduled: ScheduledJob[] = [];
    for (const [index, job] of jobs.entries()) {
      if (!job || job.data.tenantId !== filter.tenantId) continue;
      const lockTtl = Number(timing[2 * index]);
      const delayedScore = timing[2 * index + 1];
      const running = lockTtl >= 0;
      scheduled.push({
        key: job.data.key,
        name: job.name as JobName,
        tenantId: job.data.tenantId,
        payload: job.data.payload,
        runAt: running
          ? now + lockTtl
          : delayedScore !== null && delayedScore !== undefined
            ? Math.floor(Number(delayedScore) / DELAY_SCORE_FACTOR)
            : Math.min(job.data.runAt, now),
        attempts: job.attemptsStarted,
        running,
      });
    }
    scheduled.sort((a, b) => a.runAt - b.runAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return scheduled.slice(0, Math.min(filter.limit, 500));
  }

  /** Stops the stalled check and closes the connections this queue opened (not `options.connection`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const consumer = await this.consumer?.catch(() => null);
    if (consumer) {
      await consumer.worker.close();
      await consumer.connection.quit().catch(() => consumer.connection.disconnect());
    }
    await this.queue.close();
  }

  /**
   * Fairness: a job's priority number is how many jobs its tenant scheduled within the window (BullMQ runs
   * lower numbers first, in order of arrival among equals). The n-th job of every tenant thus goes before the
   * (n+1)-th of any, like the embedded queue's round-robin; a tenant sending ten times the traffic of the
   * others queues behind them instead of in front. Counted per window, not per job left, so nothing has to be
   * decremented when BullMQ moves jobs by itself (reruns, stalled jobs).
   */
  private async fairPriority(tenantId: string, now: number): Promise<number> {
    const bucket = Math.floor(now / this.fairnessBucketMs);
    const count = await countScheduled.run(
      this.connection,
      [this.key(`fair:${keyPart(tenantId)}`)],
      [bucket, FAIRNESS_BUCKETS, this.fairnessBucketMs * (FAIRNESS_BUCKETS + 1)],
    );
    return Math.min(PRIORITY_LIMIT, Math.max(1, Number(count)));
  }

  /** The BullMQ worker used for claims (manual processing: no processor), and the stalled check it runs. */
  private ensureConsumer(): Promise<Consumer> {
    if (this.closed) return Promise.reject(new Error('the job queue is closed'));
    this.consumer ??= (async () => {
      const connection = this.connection.duplicate({ maxRetriesPerRequest: null });
      connection.on('error', (error: Error) => this.log?.warn(describeError(error), 'jobs.redis_failed'));
      const worker = new Worker<JobData>(BullmqJobQueue.queueName, null, {
        connection,
        prefix: this.prefix,
        autorun: false,
        lockDuration: this.leaseMs,
        stalledInterval: this.stalledIntervalMs,
        maxStalledCount: this.maxStalledCount,
      });
      worker.on('error', (error) => this.log?.error(describeError(error), 'jobs.redis_failed'));
      worker.on('stalled', (jobId) => this.log?.warn({ jobId }, 'job.stalled'));
      try {
        await worker.waitUntilReady();
        await worker.startStalledCheckTimer();
      } catch (error) {
        this.consumer = null; // the next claim tries again
        void worker.close(true).catch(() => {});
        connection.disconnect();
        throw error;
      }
      return { worker, connection };
    })();
    return this.consumer;
  }

  /**
   * Moves a claimed job on with its lock token. False when the lock was lost (the run is stale: another
   * worker has the job, or it is waiting again); other errors (Redis) are thrown and the claim is kept.
   */
  private async finish(job: ClaimedJob, move: (claim: Claim) => Promise<unknown>): Promise<boolean> {
    const claim = this.claims.get(claimId(job));
    if (!claim) return false;
    try {
      await move(claim);
    } catch (error) {
      if (!isLockLost(error)) throw error;
      this.claims.delete(claimId(job));
      return false;
    }
    this.claims.delete(claimId(job));
    return true;
  }

  /** Keeps the listing tidy, and moves a delayed rerun to the time its work asked for (BullMQ counts its delay from the finish). */
  private async afterFinish(job: Pick<ClaimedJob, 'tenantId' | 'key' | 'name'>): Promise<void> {
    const next = (await afterFinish.run(
      this.connection,
      [this.key(`de:${job.key}`), this.listedKey(job.tenantId, job.name), this.key('delayed')],
      [job.key, this.key('')],
    )) as [string, string, string | null] | null;
    if (!next) return;
    const [id, score, data] = next;
    const runAt = data === null ? null : (JSON.parse(data) as JobData).runAt;
    if (runAt === null || Math.floor(Number(score) / DELAY_SCORE_FACTOR) <= runAt) return;
    const rerun = (await this.queue.getJob(id)) as Job<JobData> | undefined;
    const now = this.clock.now();
    try {
      if (runAt <= now) await rerun?.promote();
      else await rerun?.changeDelay(runAt - now);
    } catch (error) {
      // Promoted or taken meanwhile: it runs anyway.
      this.log?.debug({ jobId: id, message: error instanceof Error ? error.message : String(error) }, 'job.rerun_not_moved');
    }
  }

  private async deadLetterStalled(job: Job<JobData>, token: string): Promise<void> {
    const stalled = new SwitchboardError({ code: 'JOB_STALLED', message: job.deferredFailure });
    this.log?.error({ job: job.name, jobId: job.id, tenantId: job.data.tenantId, attempts: job.attemptsStarted, code: stalled.code }, 'job.dead_lettered');
    try {
      // Worded as the worker words the dead letters it makes: `CODE: message`.
      await job.moveToFailed(reason(`${stalled.code}: ${stalled.message}`), token, false);
    } catch (error) {
      if (!isLockLost(error)) throw error;
      return;
    }
    await this.afterFinish({ tenantId: job.data.tenantId, key: job.data.key, name: job.name as JobName });
  }

  /** Runs read commands in one round trip; throws the first error. */
  private async pipeline(commands: Array<[string, ...Array<string | number>]>): Promise<unknown[]> {
    if (commands.length === 0) return [];
    const results = (await this.connection.pipeline(commands).exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value;
    });
  }

  /** A key of this queue: `<prefix>:jobs:<type>`, as BullMQ names its own. */
  private key(type: string): string {
    return `${this.prefix}:${BullmqJobQueue.queueName}:${type}`;
  }

  /** The keys of a tenant's jobs of one name, for listScheduled (members are pruned when their job is gone). */
  private listedKey(tenantId: string, name: JobName): string {
    return this.key(`listed:${keyPart(tenantId)}:${name}`);
  }
}

/** Claims are told apart by job, attempt and worker: a stale run of the same job has an older attempt. */
function claimId(job: ClaimedJob): string {
  return `${job.id}:${job.attempts}:${job.workerId}`;
}

/** An error for BullMQ's failed reason, without our stack (it says nothing about the job). */
function reason(message: string): Error {
  const error = new Error(message);
  error.stack = '';
  return error;
}

/** BullMQ's codes for a finish whose lock is gone: no job, no lock, not active, another worker's lock. */
function isLockLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === -1 || code === -2 || code === -3 || code === -6;
}

/** Tenant ids are plain, but a `:` must never let two tenants share a key. */
function keyPart(part: string): string {
  return part.replace(/%/g, '%25').replace(/:/g, '%3A');
}
