import { describe, expect, it } from 'vitest';
import { createMetrics } from '../ops/index.js';
import type { ClaimedJob, JobName, JobQueue } from '../ports/job-queue.js';
import { silentLogger } from '../shared/logger.js';
import { systemClock } from '../shared/system-clock.js';
import { type JobHandler, Worker } from './worker.js';

const names: JobName[] = ['conversation.turn', 'outbox.deliver', 'handoff.release', 'maintenance.sweep', 'integration.call', 'followup.send'];

/** A queue holding one due job, recording what the worker asks of it. */
function oneJobQueue(options: { renew: boolean }) {
  const job: ClaimedJob = { id: '1', name: 'conversation.turn', tenantId: 't', key: 'turn:t:u', payload: {}, attempts: 1, workerId: 'w' };
  let taken = false;
  const renewals: Array<{ ids: string[]; leaseMs: number }> = [];
  const completed: string[] = [];
  const deferred: Array<{ id: string; runAt: number }> = [];
  const queue: JobQueue = {
    schedule: async () => {},
    claim: async () => {
      if (taken) return [];
      taken = true;
      return [job];
    },
    claimKey: async () => null,
    complete: async (done) => void completed.push(done.id),
    retryLater: async () => {},
    defer: async (held, runAt) => void deferred.push({ id: held.id, runAt }),
    deadLetter: async () => {},
    nextDueAt: async () => (taken ? null : systemClock.now()),
    releaseLeasesExcept: async () => 0,
    listDeadLetters: async () => [],
    retryDeadLetter: async () => false,
    cancel: async () => false,
    listScheduled: async () => [],
    ...(options.renew
      ? {
          renewLeases: async (jobs: ClaimedJob[], leaseMs: number) => {
            renewals.push({ ids: jobs.map((running) => running.id), leaseMs });
            return [];
          },
        }
      : {}),
  };
  return { queue, renewals, completed, deferred };
}

function startWorker(queue: JobQueue, handler: JobHandler, leaseMs: number): Worker {
  const worker = new Worker({
    id: 'w',
    queue,
    clock: systemClock,
    log: silentLogger(),
    metrics: createMetrics(),
    concurrency: 4,
    leaseMs,
    pollMs: 20,
    maxAttempts: Object.fromEntries(names.map((name) => [name, 5])) as Record<JobName, number>,
    handlers: Object.fromEntries(names.map((name) => [name, handler])) as Record<JobName, JobHandler>,
  });
  worker.start();
  return worker;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Worker', () => {
  it('renews the lease of a running job every third of the lease, and stops once it is done', async () => {
    const { queue, renewals, completed } = oneJobQueue({ renew: true });
    let finish = () => {};
    const worker = startWorker(queue, () => new Promise<void>((resolve) => (finish = resolve)), 300);
    // 1. A run of more than two leases keeps its lease the whole time.
    await sleep(700);
    expect(renewals.length).toBeGreaterThanOrEqual(3);
    expect(renewals.every((renewal) => renewal.ids.join() === '1' && renewal.leaseMs === 300)).toBe(true);
    // 2. Once the run completed, nothing is renewed any more.
    finish();
    await sleep(50);
    expect(completed).toEqual(['1']);
    const afterwards = renewals.length;
    await sleep(250);
    expect(renewals.length).toBe(afterwards);
    await worker.stop(100);
  });

  it('runs jobs of a queue that cannot renew leases as before', async () => {
    const { queue, completed } = oneJobQueue({ renew: false });
    const worker = startWorker(queue, async () => {}, 300);
    await sleep(100);
    expect(completed).toEqual(['1']);
    await worker.stop(100);
  });

  it('defers a job whose handler asks for it instead of completing it', async () => {
    const { queue, completed, deferred } = oneJobQueue({ renew: false });
    const runAt = systemClock.now() + 5000;
    const worker = startWorker(queue, async () => ({ deferUntil: runAt }), 1000);
    const deadline = Date.now() + 2000;
    while (deferred.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    expect(deferred).toEqual([{ id: '1', runAt }]);
    expect(completed).toEqual([]);
  });
});
