/** Names of durable jobs and the payload each carries. */
export type JobName = 'conversation.turn' | 'outbox.deliver' | 'handoff.release' | 'maintenance.sweep' | 'integration.call' | 'followup.send';

export interface JobRequest {
  name: JobName;
  tenantId: string;
  /** One job per key: scheduling an existing key updates it instead of adding a second job. */
  key: string;
  payload: Record<string, unknown>;
  /** Unix ms when the job becomes due. */
  runAt: number;
  /**
   * What to do when the key exists: `replace` moves its due time to `runAt` (debounce: due after the
   * latest message); `keep` leaves it (a delivery in back-off stays in back-off).
   */
  onExisting: 'replace' | 'keep';
}

export interface ClaimedJob {
  id: string;
  name: JobName;
  tenantId: string;
  key: string;
  payload: Record<string, unknown>;
  /** 1 on the first run. */
  attempts: number;
  workerId: string;
}

/** A job waiting for its time (or running), as listed for operators. */
export interface ScheduledJob {
  key: string;
  name: JobName;
  tenantId: string;
  payload: Record<string, unknown>;
  /** When it is due (for a running job: when its lease ends). */
  runAt: number;
  attempts: number;
  running: boolean;
}

export interface DeadLetter {
  id: string;
  jobName: JobName;
  tenantId: string;
  key: string;
  payload: Record<string, unknown>;
  attempts: number;
  error: string;
  failedAt: number;
  retriedAt: number | null;
}

/**
 * A durable queue of delayed jobs with leases.
 * Guarantees: a job is run by one worker at a time (a lease that expires makes it claimable again);
 * a key scheduled while its job runs makes the job run once more after it completes, so no work
 * that arrived during a run is lost; a job is removed only by `complete` or `deadLetter`.
 */
export interface JobQueue {
  schedule(request: JobRequest): Promise<void>;
  /**
   * Takes up to `limit` due jobs, spreading the take across tenants (round-robin by tenant). The
   * embedded adapter applies the round-robin to the oldest 200 due jobs: a backlog larger than that
   * from one tenant is taken oldest first (the scale mode's queue has per-tenant fairness).
   */
  claim(workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]>;
  /**
   * Takes the job of this key when it is due and nobody runs it: a handler asked for it to run next
   * (a turn's reply is delivered at once instead of waiting for the next claim). Null otherwise.
   */
  claimKey(workerId: string, key: string, leaseMs: number): Promise<ClaimedJob | null>;
  /** Done: the job is removed, unless it was scheduled again while it ran; then it is due again. */
  complete(job: ClaimedJob): Promise<void>;
  /** Failed but worth another try at `runAt`. */
  retryLater(job: ClaimedJob, runAt: number, error: string): Promise<void>;
  /**
   * Not now and not failed (a tenant over its limit, a number being paced): the job is due again at `runAt`
   * and this run does not count as an attempt, so a deferred job is never dead-lettered for waiting.
   */
  defer(job: ClaimedJob, runAt: number): Promise<void>;
  /** Failed for good: moved to the dead letters, where it can be listed and retried. Work scheduled while it ran keeps a job. */
  deadLetter(job: ClaimedJob, error: string): Promise<void>;
  /** The earliest time a job becomes due, for a worker deciding how long to sleep. */
  nextDueAt(): Promise<number | null>;
  /** Frees leases held by workers other than these (after a crash of a single-process deployment). */
  releaseLeasesExcept(workerIds: string[]): Promise<number>;
  /**
   * Optional: extends the leases of jobs still running by `leaseMs` from now; a live worker calls it every third
   * of the lease, so leases can be short (a dead worker's jobs come back soon) while a slow job is never taken
   * over. Returns the jobs whose lease was already lost: another worker may be running them.
   */
  renewLeases?(jobs: ClaimedJob[], leaseMs: number): Promise<ClaimedJob[]>;
  listDeadLetters(filter: { tenantId?: string; limit?: number; beforeId?: string }): Promise<DeadLetter[]>;
  /** Schedules a dead letter's job again (due now); false when it does not exist or was retried. */
  retryDeadLetter(id: string, tenantId?: string): Promise<boolean>;
  /** Removes the tenant's job of this key unless it is running; false when there is none (or it runs). */
  cancel(tenantId: string, key: string): Promise<boolean>;
  /** The tenant's jobs of one name, soonest first. */
  listScheduled(filter: { tenantId: string; name: JobName; limit: number }): Promise<ScheduledJob[]>;
}
