// A worker process for test/contract/redis.test.ts: runs our Worker on a BullMQ queue with handlers that
// never finish (their leases are renewed all the while), printing each job it takes, until the test kills it.
// Usage: node --import tsx test/helpers/bullmq-doomed-worker.ts <redis url> <key prefix> <lease ms> <stalled interval ms>
import { BullmqJobQueue } from '../../src/adapters/bullmq/bullmq-job-queue.js';
import { connectRedis } from '../../src/adapters/redis/connect-redis.js';
import { type JobHandler, Worker } from '../../src/jobs/index.js';
import { createMetrics } from '../../src/ops/index.js';
import type { JobName } from '../../src/ports/job-queue.js';
import { silentLogger } from '../../src/shared/logger.js';
import { systemClock } from '../../src/shared/system-clock.js';

const [url, prefix, leaseMs, stalledIntervalMs] = process.argv.slice(2);
if (!url || !prefix || !leaseMs || !stalledIntervalMs) throw new Error('usage: bullmq-doomed-worker.ts <redis url> <key prefix> <lease ms> <stalled interval ms>');

const connection = await connectRedis(url, { connectionName: 'switchboard-test:doomed-worker' });
const queue = new BullmqJobQueue({ connection, clock: systemClock, prefix, leaseMs: Number(leaseMs), stalledIntervalMs: Number(stalledIntervalMs) });
const hang: JobHandler = async (job) => {
  process.stdout.write(`${JSON.stringify({ taken: { id: job.id, key: job.key, attempts: job.attempts } })}\n`);
  await new Promise(() => {});
};
const names: JobName[] = ['conversation.turn', 'outbox.deliver', 'handoff.release', 'maintenance.sweep', 'integration.call', 'followup.send'];
const worker = new Worker({
  id: 'doomed-worker',
  queue,
  clock: systemClock,
  log: silentLogger(),
  metrics: createMetrics(),
  concurrency: 4,
  leaseMs: Number(leaseMs),
  pollMs: 20,
  maxAttempts: Object.fromEntries(names.map((name) => [name, 5])) as Record<JobName, number>,
  handlers: Object.fromEntries(names.map((name) => [name, hang])) as Record<JobName, JobHandler>,
});
worker.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
