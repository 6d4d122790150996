import type { Clock } from '../ports/clock.js';
import type { ClaimedJob, JobName, JobQueue } from '../ports/job-queue.js';
import { describeError, isRetryable, SwitchboardError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../ops/index.js';
import { backoffDelay } from './backoff.js';

/** Jobs taken per claim: a large backlog is started in slices, not all in one event-loop turn. */
const CLAIM_BATCH = 32;

/** What a handler may ask for: keys of jobs to run right after it, in the same slot, if they are due. */
export interface JobResult {
  next?: string[];
  /**
   * Not now (a tenant over its limit, a phone number being paced): run again at this Unix ms, without counting
   * this run as an attempt. Nothing is dropped; `next` is ignored.
   */
  deferUntil?: number;
}

export type JobHandler = (job: ClaimedJob) => Promise<JobResult | void>;

export interface WorkerOptions {
  id: string;
  queue: JobQueue;
  handlers: Record<JobName, JobHandler>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Jobs run at once; model calls are I/O, so this is high. */
  concurrency: number;
  /**
   * A job not completed within this is claimable again (its worker is presumed dead). Queues with
   * `renewLeases` have it renewed every third of it while the job runs, so there it bounds a dead worker's outage.
   */
  leaseMs: number;
  /** Longest sleep when idle: how soon jobs scheduled by other processes are seen. */
  pollMs: number;
  /** Attempts before a job is dead-lettered. */
  maxAttempts: Record<JobName, number>;
}

/**
 * Claims due jobs and runs them. Wakes at once when this process scheduled work (`wake`), else
 * sleeps until the next due job or `pollMs`. Failures are retried with back-off when retryable and
 * dead-lettered when permanent or exhausted.
 */
export class Worker {
  private active = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly running = new Set<ClaimedJob>();
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private pump: Promise<void> | null = null;
  private wakeRequested = false;

  constructor(private readonly options: WorkerOptions) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    if (this.options.queue.renewLeases && !this.renewTimer) {
      // Until stop() has handed the last job back: jobs finishing within the grace keep their leases too.
      this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(this.options.leaseMs / 3)));
      this.renewTimer.unref();
    }
    this.wake();
  }

  /** Something was scheduled: look for due work now instead of at the next poll. */
  wake(): void {
    if (!this.active) return;
    if (this.pump) {
      this.wakeRequested = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pump = this.fill().finally(() => {
      this.pump = null;
      if (this.wakeRequested) {
        this.wakeRequested = false;
        this.wake();
      }
    });
  }

  /**
   * Stops claiming and waits up to `graceMs` for running jobs; the ones still running then are handed
   * back (due now), so another worker or the next start takes them without waiting for the lease.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pump;
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    for (const job of this.running) {
      await this.options.queue
        .retryLater(job, this.options.clock.now(), 'handed back at shutdown')
        .catch((error: unknown) => this.options.log.error({ jobId: job.id, ...describeError(error) }, 'job.hand_back_failed'));
      this.options.log.warn({ job: job.name, jobId: job.id, tenantId: job.tenantId }, 'job.handed_back');
    }
    this.running.clear();
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async fill(): Promise<void> {
    const { queue, log, clock } = this.options;
    try {
      let next: number | null = null;
      while (this.active) {
        const free = Math.min(this.options.concurrency - this.inFlight.size, CLAIM_BATCH);
        if (free <= 0) return; // a finishing job calls wake()
        // A read first: a claim is a write, and most wake-ups (a job finished) find nothing due.
        next = await queue.nextDueAt();
        if (next === null || next > clock.now()) break;
        const jobs = await queue.claim(this.options.id, free, this.options.leaseMs);
        for (const job of jobs) this.track(this.run(job));
        if (jobs.length === 0) break;
      }
      if (!this.active) return;
      const delay = next === null ? this.options.pollMs : Math.max(5, Math.min(this.options.pollMs, next - clock.now()));
      this.timer = setTimeout(() => this.wake(), delay);
      this.timer.unref();
    } catch (error) {
      log.error(describeError(error), 'worker.claim_failed');
      this.timer = setTimeout(() => this.wake(), this.options.pollMs);
      this.timer.unref();
    }
  }

  /** Keeps the leases of running jobs (queues that support it); a lost one means another worker may run the job. */
  private async renewLeases(): Promise<void> {
    const { queue, log, leaseMs } = this.options;
    if (this.running.size === 0 || !queue.renewLeases) return;
    try {
      for (const job of await queue.renewLeases([...this.running], leaseMs)) {
        log.warn({ job: job.name, jobId: job.id, tenantId: job.tenantId, attempt: job.attempts }, 'job.lease_lost');
      }
    } catch (error) {
      log.error(describeError(error), 'job.lease_renewal_failed');
    }
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => {
      this.inFlight.delete(promise);
      this.wake();
    });
  }

  private async run(job: ClaimedJob): Promise<void> {
    const { queue, log, clock, metrics } = this.options;
    const handler = this.options.handlers[job.name];
    this.running.add(job);
    try {
      if (!handler) throw new SwitchboardError({ code: 'JOB_UNKNOWN', message: `no handler for job ${job.name}` });
      const result = await handler(job);
      if (result?.deferUntil !== undefined) {
        await queue.defer(job, result.deferUntil);
        log.debug({ job: job.name, jobId: job.id, tenantId: job.tenantId, delayMs: result.deferUntil - clock.now() }, 'job.deferred');
        return;
      }
      // Completing and taking the next job in the same tick lets them share one commit.
      const [, ...chained] = await Promise.all([
        queue.complete(job),
        ...(result?.next ?? []).map((key) => queue.claimKey(this.options.id, key, this.options.leaseMs)),
      ]);
      for (const next of chained) if (next) await this.run(next);
    } catch (error) {
      const described = describeError(error);
      const text = `${described.code}: ${described.message}`;
      const exhausted = job.attempts >= (this.options.maxAttempts[job.name] ?? 5);
      try {
        if (isRetryable(error) && !exhausted) {
          const minMs = error instanceof SwitchboardError ? Number(error.details?.['minDelayMs'] ?? 0) : 0;
          const delay = backoffDelay(job.attempts, { minMs });
          await queue.retryLater(job, clock.now() + delay, text);
          log.warn({ job: job.name, jobId: job.id, tenantId: job.tenantId, attempt: job.attempts, delayMs: delay, code: described.code }, 'job.retry_scheduled');
        } else {
          await queue.deadLetter(job, text);
          metrics.jobsDeadLettered.inc({ job: job.name });
          log.error({ job: job.name, jobId: job.id, tenantId: job.tenantId, attempts: job.attempts, code: described.code }, 'job.dead_lettered');
        }
      } catch (inner) {
        log.error({ job: job.name, jobId: job.id, ...describeError(inner) }, 'job.failure_not_recorded');
      }
    } finally {
      this.running.delete(job);
    }
  }
}
