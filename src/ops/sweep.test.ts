import { describe, expect, it } from 'vitest';
import { openDatabase } from '../adapters/sql/open-database.js';
import { SqlInbox } from '../adapters/sql/sql-inbox.js';
import { SqlJobQueue } from '../adapters/sql/sql-job-queue.js';
import { SqlOutbox } from '../adapters/sql/sql-outbox.js';
import { WriteBatcher } from '../adapters/sql/write-batcher.js';
import { silentLogger } from '../shared/logger.js';
import { ManualClock } from '../../test/helpers/switchboard.js';
import { PARKED_STATUS_TTL_MS, sweep, sweepJob } from './sweep.js';

describe('the maintenance sweep', () => {
  it('drops statuses parked for a day and comes back an hour later', async () => {
    const database = await openDatabase('sqlite::memory:');
    const clock = new ManualClock();
    const batcher = new WriteBatcher(database.db);
    const queue = new SqlJobQueue(database.db, batcher, clock);
    const outbox = new SqlOutbox(database.db, batcher);
    const inbox = new SqlInbox(batcher, clock);
    const status = { tenantId: 't1', phoneNumberId: '1', status: 'read' as const, rawStatus: 'read', timestampMs: 0, errorCode: null, errorTitle: null };
    await inbox.accept({ messages: [], statuses: [{ ...status, waMessageId: 'wamid.old' }] });
    clock.advance(PARKED_STATUS_TTL_MS + 1);
    await inbox.accept({ messages: [], statuses: [{ ...status, waMessageId: 'wamid.new' }] });

    // 1. The sweep is due an hour after start; it runs as a job that reschedules itself.
    await queue.schedule(sweepJob(clock.now()));
    clock.advance(60 * 60 * 1000);
    const [job] = await queue.claim('worker', 1, 60_000);
    expect(job?.name).toBe('maintenance.sweep');
    await sweep({ outbox, queue, clock, log: silentLogger() });
    await queue.complete(job!);

    const left = await database.db.selectFrom('parked_statuses').select('wa_message_id').execute();
    expect(left.map((row) => row.wa_message_id)).toEqual(['wamid.new']);
    expect(await queue.nextDueAt()).toBe(clock.now() + 60 * 60 * 1000);
    await database.close();
  });
});
