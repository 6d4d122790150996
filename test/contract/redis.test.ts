// The BullMQ job queue of the scale deployment: the JobQueue contract (the suite SQLite and PostgreSQL run, here
// on real time with short leases), plus what only several workers and processes on one Redis can show. Each
// queue lives under a key prefix of its own within this run's prefix; the run deletes its keys afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scaleServers } from '../helpers/scale-servers.js';
import { deleteRedisKeys } from '../helpers/test-database.js';
import { BullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { connectRedis } from '../../src/adapters/redis/connect-redis.js';
import { type JobHandler, Worker } from '../../src/jobs/index.js';
import { createMetrics } from '../../src/ops/index.js';
import type { ClaimedJob, JobName, JobRequest } from '../../src/ports/job-queue.js';
import { silentLogger } from '../../src/shared/logger.js';
import { systemClock } from '../../src/shared/system-clock.js';
import { uniqueId } from './builders.js';
import { jobQueueContract } from './job-queue.contract.js';

const redisUrl = scaleServers('bullmq', ['TEST_REDIS_URL'])?.TEST_REDIS_URL;
/** Short, so that the suite can wait for leases to expire; the stalled check runs often to notice. */
const LEASE_MS = 1500;
const STALLED_INTERVAL_MS = 100;

if (redisUrl) {
  const runPrefix = `switchboard-test-${randomBytes(6).toString('hex')}`;
  let queues = 0;
  /** A key prefix for one queue: an empty queue per test. */
  const freshPrefix = () => `${runPrefix}:${++queues}`;
  let redis: Redis;

  beforeAll(async () => {
    redis = await connectRedis(redisUrl, { connectionName: 'switchboard-test' });
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteRedisKeys(redis, runPrefix);
    await redis.quit();
  });

  const openQueue = (options: { prefix?: string; connection?: Redis; leaseMs?: number; maxStalledCount?: number } = {}) =>
    new BullmqJobQueue({
      connection: options.connection ?? redis,
      clock: systemClock,
      prefix: options.prefix ?? freshPrefix(),
      leaseMs: options.leaseMs ?? LEASE_MS,
      stalledIntervalMs: STALLED_INTERVAL_MS,
      ...(options.maxStalledCount === undefined ? {} : { maxStalledCount: options.maxStalledCount }),
    });

  jobQueueContract(
    'bullmq',
    async () => {
      const queue = openQueue();
      return { queue, clock: systemClock, close: () => queue.close() };
    },
    { leaseMs: LEASE_MS, waitMs: 5000 },
  );

  describe('bullmq: several workers and processes on one Redis', () => {
    const toClose: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const close of toClose.splice(0).reverse()) await close();
    });
    const track = <T extends { close(): Promise<unknown> }>(closable: T): T => {
      toClose.push(() => closable.close());
      return closable;
    };
    /** Another process's connection. */
    const anotherConnection = async () => {
      const connection = await connectRedis(redisUrl, { connectionName: 'switchboard-test:other' });
      toClose.push(() => connection.quit());
      return connection;
    };
    const names: JobName[] = ['conversation.turn', 'outbox.deliver', 'handoff.release', 'maintenance.sweep', 'integration.call', 'followup.send'];
    /** Our Worker on one queue, with one handler for every job name. */
    const startWorker = (id: string, queue: BullmqJobQueue, handler: JobHandler, leaseMs = LEASE_MS) => {
      const worker = new Worker({
        id,
        queue,
        clock: systemClock,
        log: silentLogger(),
        metrics: createMetrics(),
        concurrency: 8,
        leaseMs,
        pollMs: 20,
        maxAttempts: Object.fromEntries(names.map((name) => [name, 5])) as Record<JobName, number>,
        handlers: Object.fromEntries(names.map((name) => [name, handler])) as Record<JobName, JobHandler>,
      });
      worker.start();
      toClose.push(() => worker.stop(1000));
      return worker;
    };
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    /** Polls until `done` holds or the deadline passes; the caller's expectations then say what was missed. */
    const waitFor = async (done: () => boolean | Promise<boolean>, deadlineMs: number) => {
      const deadline = Date.now() + deadlineMs;
      while (!(await done()) && Date.now() < deadline) await sleep(20);
    };
    const turn = (tenantId: string, key: string, payload: Record<string, unknown> = {}, runAt = Date.now()): JobRequest => ({
      name: 'conversation.turn',
      tenantId,
      key,
      payload: { tenantId, ...payload },
      runAt,
      onExisting: 'replace',
    });

    it('never runs a key on two workers at once, and runs every key again after its last scheduling', async () => {
      const prefix = freshPrefix();
      const queues = [track(openQueue({ prefix, leaseMs: 2000 })), track(openQueue({ prefix, connection: await anotherConnection(), leaseMs: 2000 }))];
      const tenants = Array.from({ length: 20 }, () => uniqueId('tenant'));
      const keyOf = (tenantId: string) => `turn:${tenantId}:user`;
      // A global order of events: when each key was last scheduled, when each run started.
      let tick = 0;
      const lastScheduled = new Map<string, number>();
      const lastStarted = new Map<string, number>();
      const running = new Map<string, number>();
      let overlaps = 0;
      let runs = 0;
      const handler: JobHandler = async (job) => {
        runs += 1;
        lastStarted.set(job.key, ++tick);
        running.set(job.key, (running.get(job.key) ?? 0) + 1);
        if (running.get(job.key)! > 1) overlaps += 1;
        await sleep(1 + Math.floor(Math.random() * 8));
        running.set(job.key, running.get(job.key)! - 1);
      };
      const workers = [startWorker('worker-a', queues[0]!, handler, 2000), startWorker('worker-b', queues[1]!, handler, 2000)];
      // 1. 500 schedulings over 20 keys from both processes while both workers run: most land while the key's
      //    job waits (one job), many while it runs (one more run afterwards); some are delayed a little (replaced).
      for (let index = 0; index < 500; index += 1) {
        const tenantId = tenants[index % tenants.length]!;
        lastScheduled.set(keyOf(tenantId), ++tick);
        const delay = index % 3 === 0 ? Math.floor(Math.random() * 20) : 0;
        await queues[index % 2]!.schedule(turn(tenantId, keyOf(tenantId), { index }, Date.now() + delay));
        for (const worker of workers) worker.wake();
        if (index % 10 === 0) await sleep(Math.floor(Math.random() * 5));
      }
      // 2. Every key has a run that started after its last scheduling, and then the queue is empty.
      const settled = async () =>
        tenants.every((tenantId) => (lastStarted.get(keyOf(tenantId)) ?? 0) > lastScheduled.get(keyOf(tenantId))!) &&
        workers.every((worker) => worker.busy === 0) &&
        (await queues[0]!.nextDueAt()) === null;
      await waitFor(settled, 20_000);
      expect(await settled()).toBe(true);
      expect(overlaps).toBe(0);
      expect(runs).toBeGreaterThanOrEqual(tenants.length);
      expect(runs).toBeLessThanOrEqual(500);
    });

    it('runs each of 500 jobs of 20 tenants exactly once across two workers', async () => {
      const prefix = freshPrefix();
      const queues = [track(openQueue({ prefix })), track(openQueue({ prefix, connection: await anotherConnection() }))];
      const tenants = Array.from({ length: 20 }, () => uniqueId('tenant'));
      const runsByKey = new Map<string, number>();
      const byWorker = new Map<string, number>();
      let concurrent = 0;
      let overlaps = 0;
      const handler: JobHandler = async (job) => {
        runsByKey.set(job.key, (runsByKey.get(job.key) ?? 0) + 1);
        byWorker.set(job.workerId, (byWorker.get(job.workerId) ?? 0) + 1);
        if (runsByKey.get(job.key)! > 1) overlaps += 1;
        concurrent += 1;
        await sleep(Math.floor(Math.random() * 4));
        concurrent -= 1;
      };
      startWorker('worker-a', queues[0]!, handler);
      startWorker('worker-b', queues[1]!, handler);
      const keys = Array.from({ length: 500 }, (_, index) => `job:${tenants[index % 20]}:${index}`);
      await Promise.all(keys.map((key, index) => queues[index % 2]!.schedule(turn(tenants[index % 20]!, key))));

      await waitFor(() => runsByKey.size === keys.length && concurrent === 0, 20_000);
      expect(runsByKey.size).toBe(500);
      expect([...runsByKey.values()].every((count) => count === 1)).toBe(true);
      expect(overlaps).toBe(0);
      expect([...byWorker.keys()].sort()).toEqual(['worker-a', 'worker-b']);
      expect(await queues[0]!.nextDueAt()).toBeNull();
    });

    it('gives the job of a killed worker process to another worker within the stalled interval', async () => {
      const prefix = freshPrefix();
      const producer = track(openQueue({ prefix }));
      const tenantId = uniqueId('tenant');
      const key = `turn:${tenantId}:user`;
      // 1. A worker process takes the job and keeps renewing its lease.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'test/helpers/bullmq-doomed-worker.ts', redisUrl, prefix, String(LEASE_MS), String(STALLED_INTERVAL_MS)],
        { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      toClose.push(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      });
      const lines: Array<Record<string, unknown>> = [];
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let buffered = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const complete = buffered.split('\n');
        buffered = complete.pop()!;
        for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      });
      await waitFor(() => lines.some((line) => line['ready']) || child.exitCode !== null, 15_000);
      expect(lines.some((line) => line['ready']), stderr).toBe(true);
      await producer.schedule(turn(tenantId, key));
      await waitFor(() => lines.some((line) => line['taken']), 5000);
      expect(lines.find((line) => line['taken'])).toEqual({ taken: { id: expect.any(String), key, attempts: 1 } });

      // 2. While that process lives, the job stays with it, past several lease lengths.
      const taken: ClaimedJob[] = [];
      startWorker('survivor', track(openQueue({ prefix, connection: await anotherConnection() })), async (job) => {
        taken.push(job);
      });
      await sleep(3 * LEASE_MS);
      expect(taken).toEqual([]);

      // 3. The process is killed mid-job: once its lock expires, the stalled check hands the job to the survivor.
      child.kill('SIGKILL');
      await exited;
      await waitFor(() => taken.length > 0, LEASE_MS + 3 * STALLED_INTERVAL_MS + 3000);
      expect(taken).toEqual([expect.objectContaining({ key, tenantId, attempts: 2, workerId: 'survivor' })]);
      await waitFor(async () => (await producer.nextDueAt()) === null, 2000);
      expect(await producer.listScheduled({ tenantId, name: 'conversation.turn', limit: 10 })).toEqual([]);
    });

    it('keeps a renewed lease, and reports a lost one', async () => {
      const prefix = freshPrefix();
      const holder = track(openQueue({ prefix }));
      const other = track(openQueue({ prefix, connection: await anotherConnection() }));
      const tenantId = uniqueId('tenant');
      await holder.schedule(turn(tenantId, uniqueId('turn')));
      const [job] = await holder.claim('holder', 1, LEASE_MS);
      // 1. Renewed every third of the lease for three leases: nobody else gets the job.
      for (let round = 0; round < 9; round += 1) {
        await sleep(LEASE_MS / 3);
        expect(await holder.renewLeases([job!], LEASE_MS)).toEqual([]);
        expect(await other.claim('other', 10, LEASE_MS)).toEqual([]);
      }
      // 2. Renewals stop: the job goes to the other worker, and the holder learns it lost it.
      let retaken: ClaimedJob[] = [];
      await waitFor(async () => (retaken = await other.claim('other', 10, LEASE_MS)).length > 0, LEASE_MS + 3000);
      expect(retaken).toEqual([expect.objectContaining({ id: job!.id, attempts: 2, workerId: 'other' })]);
      expect(await holder.renewLeases([job!], LEASE_MS)).toEqual([job]);
      await holder.complete(job!); // stale: changes nothing
      expect(await other.listScheduled({ tenantId, name: 'conversation.turn', limit: 10 })).toEqual([expect.objectContaining({ running: true, attempts: 2 })]);
      await other.complete(retaken[0]!);
      expect(await other.listScheduled({ tenantId, name: 'conversation.turn', limit: 10 })).toEqual([]);
    });

    it('dead-letters a job that lost its worker more often than allowed', async () => {
      const queue = track(openQueue({ maxStalledCount: 0 }));
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(turn(tenantId, key));
      expect(await queue.claim('dies', 1, LEASE_MS)).toHaveLength(1);
      // The lock expires unrenewed; the next claim finds the job marked by the stalled check and dead-letters it.
      await sleep(LEASE_MS);
      await waitFor(async () => (await queue.listDeadLetters({ tenantId })).length > 0 || (await queue.claim('next', 1, LEASE_MS)).length > 0, 5000);
      expect(await queue.listDeadLetters({ tenantId })).toEqual([
        // Two starts: the run whose worker died, and the claim that found the job marked and dead-lettered it.
        expect.objectContaining({ key, attempts: 2, error: 'JOB_STALLED: job stalled more than allowable limit' }),
      ]);
      expect(await queue.nextDueAt()).toBeNull();
    });

    it("puts a quiet tenant's jobs before a noisy tenant's backlog", async () => {
      const queue = track(openQueue());
      const noisy = uniqueId('noisy');
      const quiet = Array.from({ length: 5 }, () => uniqueId('quiet'));
      // 1. The noisy tenant's 100 jobs are all due and older than the quiet tenants' ones.
      for (let index = 0; index < 100; index += 1) await queue.schedule(turn(noisy, uniqueId('turn')));
      for (const tenantId of quiet) await queue.schedule(turn(tenantId, uniqueId('turn')));
      // 2. The first ten jobs taken hold every quiet tenant's job (a first-come queue would give ten noisy ones).
      const first = await queue.claim('worker', 10, LEASE_MS);
      expect(first.filter((job) => quiet.includes(job.tenantId)).map((job) => job.tenantId).sort()).toEqual([...quiet].sort());
      expect(await queue.claim('worker', 200, LEASE_MS)).toHaveLength(95);
    });
  });
}
