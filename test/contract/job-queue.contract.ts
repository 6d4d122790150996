import { afterEach, describe, expect, it } from 'vitest';
import type { JobQueue, JobRequest } from '../../src/ports/job-queue.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the job-queue suite needs: an empty queue and the clock it reads. */
export interface JobQueueFixture {
  queue: JobQueue;
  clock: ManualClock;
  close(): Promise<void>;
}

const LEASE_MS = 30_000;

/** The guarantees of the JobQueue port (src/ports/job-queue.ts), for every adapter. */
export function jobQueueContract(adapterName: string, create: () => Promise<JobQueueFixture>) {
  describe(`${adapterName}: JobQueue contract`, () => {
    const opened: JobQueueFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<JobQueueFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    function request(tenantId: string, overrides: Partial<JobRequest> & { runAt: number }): JobRequest {
      return {
        name: 'conversation.turn',
        tenantId,
        key: overrides.key ?? uniqueId('key'),
        payload: overrides.payload ?? { tenantId },
        onExisting: 'replace',
        ...overrides,
      };
    }

    it('runs a job only once it is due', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() + 1000, payload: { tenantId, userId: 'u1' } }));

      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(999);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1);
      const claimed = await queue.claim('worker-1', 10, LEASE_MS);
      expect(claimed).toEqual([
        {
          id: expect.any(String),
          name: 'conversation.turn',
          tenantId,
          key,
          payload: { tenantId, userId: 'u1' },
          attempts: 1,
          workerId: 'worker-1',
        },
      ]);
    });

    it('keeps one job per key: scheduling a key twice gives one claim', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      await Promise.all([
        queue.schedule(request(tenantId, { key, runAt: clock.now(), onExisting: 'keep' })),
        queue.schedule(request(tenantId, { key, runAt: clock.now() })),
      ]);

      expect(await queue.claim('worker-1', 10, LEASE_MS)).toHaveLength(1);
      clock.advance(LEASE_MS - 1);
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
    });

    it('moves the due time of an existing key with replace, later and earlier', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const later = uniqueId('later');
      const earlier = uniqueId('earlier');
      const start = clock.now();
      await queue.schedule(request(tenantId, { key: later, runAt: start + 1000 }));
      await queue.schedule(request(tenantId, { key: later, runAt: start + 5000, onExisting: 'replace' }));
      await queue.schedule(request(tenantId, { key: earlier, runAt: start + 9000 }));
      await queue.schedule(request(tenantId, { key: earlier, runAt: start + 2000, onExisting: 'replace' }));

      clock.advance(1000);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1000);
      expect((await queue.claim('worker-1', 10, LEASE_MS)).map((job) => job.key)).toEqual([earlier]);
      clock.advance(2999);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1);
      expect((await queue.claim('worker-1', 10, LEASE_MS)).map((job) => job.key)).toEqual([later]);
    });

    it('leaves the due time of an existing key with keep', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('deliver');
      const start = clock.now();
      await queue.schedule(request(tenantId, { key, runAt: start + 5000, name: 'outbox.deliver' }));
      await queue.schedule(request(tenantId, { key, runAt: start + 1000, name: 'outbox.deliver', onExisting: 'keep' }));
      await queue.schedule(request(tenantId, { key, runAt: start + 9000, name: 'outbox.deliver', onExisting: 'keep' }));

      clock.advance(1000);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      expect(await queue.nextDueAt()).toBe(start + 5000);
      clock.advance(4000);
      expect((await queue.claim('worker-1', 10, LEASE_MS)).map((job) => job.key)).toEqual([key]);
    });

    it('removes a job on complete', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      await queue.schedule(request(tenantId, { runAt: clock.now() }));
      const [job] = await queue.claim('worker-1', 10, LEASE_MS);
      await queue.complete(job!);

      expect(await queue.nextDueAt()).toBeNull();
      clock.advance(10 * LEASE_MS);
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
    });

    it('runs a job once more, at the new due time, when its key was scheduled while it ran (replace)', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      // 1. A worker takes the job.
      const [first] = await queue.claim('worker-1', 10, LEASE_MS);
      expect(first).toBeDefined();
      // 2. New work for the same key arrives while it runs, due in 3 s.
      const rerunAt = clock.now() + 3000;
      await queue.schedule(request(tenantId, { key, runAt: rerunAt, payload: { tenantId, newer: true } }));
      // 3. The run ends; the job stays, due at the new time.
      clock.advance(1000);
      await queue.complete(first!);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      expect(await queue.nextDueAt()).toBe(rerunAt);
      clock.advance(1999);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1);
      const [second] = await queue.claim('worker-2', 10, LEASE_MS);
      expect(second).toMatchObject({ key, tenantId, workerId: 'worker-2' });
      // 4. Once that run completes with nothing new, the job is gone.
      await queue.complete(second!);
      expect(await queue.nextDueAt()).toBeNull();
      clock.advance(10 * LEASE_MS);
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
    });

    it('runs a job once more when its key was scheduled with keep while it ran', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('deliver');
      await queue.schedule(request(tenantId, { key, name: 'outbox.deliver', runAt: clock.now(), onExisting: 'keep' }));
      const [first] = await queue.claim('worker-1', 10, LEASE_MS);
      // A message written while the delivery runs must not wait for a lease to expire, nor be lost.
      await queue.schedule(request(tenantId, { key, name: 'outbox.deliver', runAt: clock.now(), onExisting: 'keep' }));
      clock.advance(100);
      await queue.complete(first!);

      const again = await queue.claim('worker-1', 10, LEASE_MS);
      expect(again.map((job) => job.key)).toEqual([key]);
      await queue.complete(again[0]!);
      expect(await queue.nextDueAt()).toBeNull();
    });

    it('does not let a second worker claim a job while it is leased', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      await queue.schedule(request(tenantId, { runAt: clock.now() }));
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toHaveLength(1);

      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
      clock.advance(LEASE_MS - 1);
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
    });

    it('makes a job claimable again when its lease expires, and ignores the first worker afterwards', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      // 1. worker-1 takes the job and stalls past its lease.
      const [stale] = await queue.claim('worker-1', 10, LEASE_MS);
      clock.advance(LEASE_MS);
      // 2. worker-2 takes it over.
      const [current] = await queue.claim('worker-2', 10, LEASE_MS);
      expect(current).toMatchObject({ key, workerId: 'worker-2', attempts: 2 });
      // 3. worker-1 wakes up: its complete, retryLater and deadLetter change nothing.
      await queue.complete(stale!);
      await queue.retryLater(stale!, clock.now(), 'stale retry');
      await queue.deadLetter(stale!, 'stale dead letter');
      expect(await queue.listDeadLetters({ tenantId })).toEqual([]);
      expect(await queue.claim('worker-3', 10, LEASE_MS)).toEqual([]);
      // 4. worker-2 still owns the job: when its own lease expires the job is due again.
      clock.advance(LEASE_MS);
      const [third] = await queue.claim('worker-3', 10, LEASE_MS);
      expect(third).toMatchObject({ key, workerId: 'worker-3', attempts: 3 });
      // 5. The current holder's complete removes it.
      await queue.complete(third!);
      expect(await queue.nextDueAt()).toBeNull();
    });

    it('ignores a stale run of the same worker once its lease expired and it claimed the job again', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      // 1. worker-1's first run stalls past its lease; its next loop claims the job again.
      const [stale] = await queue.claim('worker-1', 10, LEASE_MS);
      clock.advance(LEASE_MS);
      const [current] = await queue.claim('worker-1', 10, LEASE_MS);
      expect(current).toMatchObject({ key, workerId: 'worker-1', attempts: 2 });
      // 2. The stalled run finishes: only the attempt count tells it apart, and it changes nothing.
      await queue.complete(stale!);
      await queue.retryLater(stale!, clock.now(), 'stale retry');
      await queue.deadLetter(stale!, 'stale dead letter');
      expect(await queue.listDeadLetters({ tenantId })).toEqual([]);
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
      expect(await queue.nextDueAt()).toBe(clock.now() + LEASE_MS);
      // 3. The current run completes it.
      await queue.complete(current!);
      expect(await queue.nextDueAt()).toBeNull();
    });

    it('makes a job due again at the retry time, counting attempts', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('deliver');
      await queue.schedule(request(tenantId, { key, runAt: clock.now() }));
      const [first] = await queue.claim('worker-1', 10, LEASE_MS);
      expect(first!.attempts).toBe(1);

      const retryAt = clock.now() + 10_000;
      await queue.retryLater(first!, retryAt, 'graph 500');
      expect(await queue.nextDueAt()).toBe(retryAt);
      clock.advance(9_999);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1);
      const [second] = await queue.claim('worker-2', 10, LEASE_MS);
      expect(second).toMatchObject({ key, attempts: 2, workerId: 'worker-2' });

      await queue.retryLater(second!, clock.now() + 1000, 'graph 500');
      clock.advance(1000);
      const [third] = await queue.claim('worker-1', 10, LEASE_MS);
      expect(third!.attempts).toBe(3);
    });

    it('moves a dead-lettered job to the dead letters, listed per tenant', async () => {
      const { queue, clock } = await open();
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const keyA = uniqueId('deliver');
      const keyB = uniqueId('deliver');
      await queue.schedule(request(tenantA, { key: keyA, name: 'outbox.deliver', runAt: clock.now(), payload: { tenantId: tenantA, recipientId: 'r1' } }));
      await queue.schedule(request(tenantB, { key: keyB, name: 'outbox.deliver', runAt: clock.now(), payload: { tenantId: tenantB, recipientId: 'r2' } }));
      const claimed = await queue.claim('worker-1', 10, LEASE_MS);
      expect(claimed).toHaveLength(2);
      const failedAt = clock.now();
      for (const job of claimed) await queue.deadLetter(job, `131047 for ${job.tenantId}`);

      clock.advance(10 * LEASE_MS);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      expect(await queue.nextDueAt()).toBeNull();

      const lettersA = await queue.listDeadLetters({ tenantId: tenantA });
      expect(lettersA).toEqual([
        {
          id: expect.any(String),
          jobName: 'outbox.deliver',
          tenantId: tenantA,
          key: keyA,
          payload: { tenantId: tenantA, recipientId: 'r1' },
          attempts: 1,
          error: `131047 for ${tenantA}`,
          failedAt,
          retriedAt: null,
        },
      ]);
      expect((await queue.listDeadLetters({ tenantId: tenantB })).map((letter) => letter.key)).toEqual([keyB]);
      expect(await queue.listDeadLetters({ tenantId: uniqueId('tenant-c') })).toEqual([]);
      expect((await queue.listDeadLetters({})).map((letter) => letter.tenantId).sort()).toEqual([tenantA, tenantB].sort());
    });

    it('keeps a job for work scheduled while the dead-lettered run was running', async () => {
      const { queue, clock } = await open();
      const tenant = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenant, { key, runAt: clock.now() }));
      const [job] = await queue.claim('worker-1', 1, LEASE_MS);
      await queue.schedule(request(tenant, { key, runAt: clock.now() + 100 })); // a new message arrives
      await queue.deadLetter(job!, 'gave up');

      expect((await queue.listDeadLetters({ tenantId: tenant })).map((letter) => letter.key)).toEqual([key]);
      expect(await queue.nextDueAt()).toBe(clock.now() + 100);
      clock.advance(100);
      const [again] = await queue.claim('worker-1', 1, LEASE_MS);
      expect(again).toMatchObject({ key, attempts: 1 });
    });

    it('retries a dead letter once: due now, with its payload', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const key = uniqueId('turn');
      await queue.schedule(request(tenantId, { key, runAt: clock.now(), payload: { tenantId, userId: 'u1' } }));
      const [job] = await queue.claim('worker-1', 10, LEASE_MS);
      await queue.deadLetter(job!, 'model down');
      const [letter] = await queue.listDeadLetters({ tenantId });

      clock.advance(60_000);
      expect(await queue.retryDeadLetter(letter!.id, uniqueId('other-tenant'))).toBe(false);
      expect(await queue.retryDeadLetter(letter!.id, tenantId)).toBe(true);
      const [again] = await queue.claim('worker-2', 10, LEASE_MS);
      expect(again).toMatchObject({ name: 'conversation.turn', tenantId, key, payload: { tenantId, userId: 'u1' }, attempts: 1 });
      expect(await queue.listDeadLetters({ tenantId })).toEqual([expect.objectContaining({ id: letter!.id, retriedAt: clock.now() })]);

      expect(await queue.retryDeadLetter(letter!.id)).toBe(false);
      expect(await queue.retryDeadLetter('987654321')).toBe(false);
    });

    it('finds no dead letter for an id that is no number or past any id', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      await queue.schedule(request(tenantId, { runAt: clock.now() }));
      const [job] = await queue.claim('worker-1', 10, LEASE_MS);
      await queue.deadLetter(job!, 'gave up');

      expect(await queue.retryDeadLetter('99999999999999999999')).toBe(false);
      expect(await queue.retryDeadLetter('not-a-number')).toBe(false);
      expect(await queue.listDeadLetters({ tenantId, beforeId: 'not-a-number' })).toEqual([]);
      expect(await queue.listDeadLetters({ tenantId, beforeId: '99999999999999999999' })).toHaveLength(1);
    });

    it('spreads a claim across tenants', async () => {
      const { queue, clock } = await open();
      const busy = uniqueId('busy');
      const quiet = uniqueId('quiet');
      // The busy tenant's jobs are older, so a first-come claim would take only them.
      for (let index = 0; index < 10; index += 1) {
        await queue.schedule(request(busy, { runAt: clock.now() - 10_000 + index }));
      }
      await queue.schedule(request(quiet, { runAt: clock.now() }));
      await queue.schedule(request(quiet, { runAt: clock.now() }));

      const claimed = await queue.claim('worker-1', 4, LEASE_MS);
      expect(claimed).toHaveLength(4);
      expect(claimed.filter((job) => job.tenantId === quiet)).toHaveLength(2);
      expect(claimed.filter((job) => job.tenantId === busy)).toHaveLength(2);

      expect(await queue.claim('worker-2', 100, LEASE_MS)).toHaveLength(8);
    });

    it('claims a job by its key only when it is due and not running', async () => {
      const { queue, clock } = await open();
      const tenant = uniqueId('tenant');
      const key = uniqueId('deliver');
      expect(await queue.claimKey('worker-1', key, LEASE_MS)).toBeNull();
      await queue.schedule(request(tenant, { key, runAt: clock.now() + 1000 }));
      expect(await queue.claimKey('worker-1', key, LEASE_MS)).toBeNull(); // not due yet
      clock.advance(1000);
      const job = await queue.claimKey('worker-1', key, LEASE_MS);
      expect(job).toMatchObject({ key, tenantId: tenant, attempts: 1, workerId: 'worker-1' });
      expect(await queue.claimKey('worker-2', key, LEASE_MS)).toBeNull(); // running
      expect(await queue.claim('worker-2', 10, LEASE_MS)).toEqual([]);
      await queue.complete(job!);
      expect(await queue.nextDueAt()).toBeNull();
    });

    it('takes at most the limit', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      for (let index = 0; index < 5; index += 1) await queue.schedule(request(tenantId, { runAt: clock.now() }));
      expect(await queue.claim('worker-1', 0, LEASE_MS)).toEqual([]);
      expect(await queue.claim('worker-1', 2, LEASE_MS)).toHaveLength(2);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toHaveLength(3);
    });

    it('reports the earliest due time', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      expect(await queue.nextDueAt()).toBeNull();
      await queue.schedule(request(tenantId, { runAt: clock.now() + 5000 }));
      expect(await queue.nextDueAt()).toBe(clock.now() + 5000);
      await queue.schedule(request(tenantId, { runAt: clock.now() + 2000 }));
      expect(await queue.nextDueAt()).toBe(clock.now() + 2000);
    });

    it('frees the leases of other workers', async () => {
      const { queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const crashedKey = uniqueId('crashed');
      const aliveKey = uniqueId('alive');
      await queue.schedule(request(tenantId, { key: crashedKey, runAt: clock.now() }));
      const [crashed] = await queue.claim('worker-crashed', 1, LEASE_MS);
      await queue.schedule(request(tenantId, { key: aliveKey, runAt: clock.now() }));
      const [alive] = await queue.claim('worker-alive', 1, LEASE_MS);
      expect(crashed!.key).toBe(crashedKey);
      expect(alive!.key).toBe(aliveKey);

      expect(await queue.releaseLeasesExcept(['worker-alive'])).toBe(1);
      const [retaken] = await queue.claim('worker-new', 10, LEASE_MS);
      expect(retaken).toMatchObject({ key: crashedKey, workerId: 'worker-new' });
      expect(await queue.claim('worker-new', 10, LEASE_MS)).toEqual([]);

      // The crashed worker's late complete does not remove the job the new worker runs.
      await queue.complete(crashed!);
      clock.advance(LEASE_MS);
      expect((await queue.claim('worker-later', 10, LEASE_MS)).map((job) => job.key).sort()).toEqual([crashedKey, aliveKey].sort());

      expect(await queue.releaseLeasesExcept([])).toBe(2);
      expect(await queue.claim('worker-last', 10, LEASE_MS)).toHaveLength(2);
    });
  });
}
