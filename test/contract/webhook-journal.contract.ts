import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationStore } from '../../src/ports/conversation-store.js';
import type { TenantMessage } from '../../src/ports/inbox.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { JournalEntry, WebhookJournal } from '../../src/ports/webhook-journal.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { textMessage, uniqueId } from './builders.js';

/** An empty journal, the queue its distribution schedules turns into and the store holding the mailboxes. */
export interface WebhookJournalFixture {
  journal: WebhookJournal;
  queue: JobQueue;
  conversations: ConversationStore;
  clock: ManualClock;
  close(): Promise<void>;
}

const LEASE_MS = 30_000;

/** Bodies in these tests are JSON arrays of tenant messages: `toBatch` only has to parse them. */
const asBody = (messages: TenantMessage[]) => JSON.stringify(messages);
const toBatch = (entries: JournalEntry[]) => ({ messages: entries.flatMap((entry) => JSON.parse(entry.body) as TenantMessage[]), statuses: [] });

/** The guarantees of the WebhookJournal port (src/ports/webhook-journal.ts), for every adapter. */
export function webhookJournalContract(adapterName: string, create: () => Promise<WebhookJournalFixture>) {
  describe(`${adapterName}: WebhookJournal contract`, () => {
    const opened: WebhookJournalFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<WebhookJournalFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('hands out entries oldest first, as appended, and each only once', async () => {
      const { journal, clock } = await open();
      const received = clock.now();
      await journal.append('{"n":1}', received);
      await journal.append('{"n":2}', received + 1);
      await journal.append('{"n":3}', received + 2);

      expect(await journal.backlog()).toEqual({ entries: 3, oldestReceivedAtMs: received });

      const seen: JournalEntry[][] = [];
      const take = (limit: number) =>
        journal.distribute(limit, (entries) => {
          seen.push(entries);
          return { messages: [], statuses: [] };
        });
      expect((await take(2)).taken).toBe(2);
      expect((await take(2)).taken).toBe(1);
      expect((await take(2)).taken).toBe(0);
      expect(await journal.backlog()).toEqual({ entries: 0, oldestReceivedAtMs: null });
      expect(seen.map((entries) => entries.map((entry) => [entry.body, entry.receivedAtMs]))).toEqual([
        [
          ['{"n":1}', received],
          ['{"n":2}', received + 1],
        ],
        [['{"n":3}', received + 2]],
      ]);
      expect(seen[0]![0]!.id).toBeLessThan(seen[0]![1]!.id);
      expect(seen[0]![1]!.id).toBeLessThan(seen[1]![0]!.id);
    });

    it('stores the batch as the inbox does: ids claimed once, one turn per conversation, the new messages listed', async () => {
      const { journal, queue, conversations, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const now = clock.now();
      const first = textMessage({ tenantId, userId, timestampMs: now, turnDueAt: now });
      const second = textMessage({ tenantId, userId, timestampMs: now, turnDueAt: now });
      // Meta redelivers: the first message arrives in two bodies.
      await journal.append(asBody([first]), now);
      await journal.append(asBody([first, second]), now);

      const { taken, stored, result } = await journal.distribute(10, toBatch);
      expect(taken).toBe(2);
      expect(result).toEqual({ accepted: 2, duplicates: 1, statusesApplied: 0, statusesParked: 0 });
      expect(stored.map((message) => message.waMessageId)).toEqual([first.waMessageId, second.waMessageId]);
      const turn = await conversations.openTurn(tenantId, userId, now);
      expect(turn!.pending.map((message) => message.waMessageId)).toEqual([first.waMessageId, second.waMessageId]);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([expect.objectContaining({ name: 'conversation.turn', payload: { tenantId, userId } })]);
    });

    it('keeps every entry of a pass that fails, for the next pass', async () => {
      const { journal, conversations, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const now = clock.now();
      const message = textMessage({ tenantId, userId, timestampMs: now, turnDueAt: now });
      await journal.append(asBody([message]), now);

      await expect(
        journal.distribute(10, () => {
          throw new Error('tenants unavailable');
        }),
      ).rejects.toThrow('tenants unavailable');
      expect(await conversations.openTurn(tenantId, userId, now)).toBeNull();

      const retried = await journal.distribute(10, toBatch);
      expect(retried).toMatchObject({ taken: 1, result: { accepted: 1, duplicates: 0 } });
      expect((await conversations.openTurn(tenantId, userId, now))!.pending).toHaveLength(1);
    });

    it('commits concurrent appends, each resolved once durable', async () => {
      const { journal, clock } = await open();
      const bodies = Array.from({ length: 120 }, (_, index) => `{"n":${index}}`);
      await Promise.all(bodies.map((body) => journal.append(body, clock.now())));

      const seen: string[] = [];
      const collect = (entries: JournalEntry[]) => {
        seen.push(...entries.map((entry) => entry.body));
        return { messages: [], statuses: [] };
      };
      while ((await journal.distribute(50, collect)).taken > 0);
      expect(seen.sort()).toEqual([...bodies].sort());
    });
  });
}
