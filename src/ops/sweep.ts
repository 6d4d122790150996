import type { Clock } from '../ports/clock.js';
import type { JobQueue, JobRequest } from '../ports/job-queue.js';
import type { Outbox } from '../ports/outbox.js';
import type { Logger } from '../shared/logger.js';

/** How long a status may wait for its send to be recorded before it is dropped. */
export const PARKED_STATUS_TTL_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/** The hourly maintenance job; `keep` so that a restart does not postpone a due sweep. */
export function sweepJob(now: number): JobRequest {
  return { name: 'maintenance.sweep', tenantId: '*', key: 'maintenance.sweep', payload: {}, runAt: now + SWEEP_EVERY_MS, onExisting: 'keep' };
}

/**
 * Drops statuses parked for a day (Meta reported on a message whose send was never recorded, or of
 * another system on the same number), then schedules the next sweep.
 */
export async function sweep(deps: { outbox: Outbox; queue: JobQueue; clock: Clock; log: Logger }): Promise<void> {
  const now = deps.clock.now();
  const dropped = await deps.outbox.dropParkedStatuses(now - PARKED_STATUS_TTL_MS);
  if (dropped > 0) deps.log.info({ dropped }, 'statuses.parked_dropped');
  await deps.queue.schedule({ ...sweepJob(now), onExisting: 'replace' });
}
