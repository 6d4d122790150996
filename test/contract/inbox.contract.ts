import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationStore } from '../../src/ports/conversation-store.js';
import type { AcceptResult, Inbox } from '../../src/ports/inbox.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { Outbox } from '../../src/ports/outbox.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { deliveryStatus, textDraft, textMessage, uniqueId } from './builders.js';

/**
 * What the inbox suite needs: an empty inbox, the queue it schedules turns into, and the stores it
 * writes for (to see the mailbox and the outbox rows the statuses apply to).
 */
export interface InboxFixture {
  inbox: Inbox;
  queue: JobQueue;
  conversations: ConversationStore;
  outbox: Outbox;
  clock: ManualClock;
  close(): Promise<void>;
}

const LEASE_MS = 30_000;
const NOTHING: AcceptResult = { accepted: 0, duplicates: 0, statusesApplied: 0, statusesParked: 0 };

/** The guarantees of the Inbox port (src/ports/inbox.ts), for every adapter. */
export function inboxContract(adapterName: string, create: () => Promise<InboxFixture>) {
  describe(`${adapterName}: Inbox contract`, () => {
    const opened: InboxFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<InboxFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    it('claims each message id once per tenant', async () => {
      const { inbox, clock } = await open();
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const waMessageId = uniqueId('wamid');
      const now = clock.now();
      const message = (tenantId: string) => textMessage({ tenantId, userId: '5511999990001', waMessageId, timestampMs: now, turnDueAt: now });

      expect(await inbox.accept({ messages: [message(tenantA)], statuses: [] })).toEqual({ ...NOTHING, accepted: 1 });
      expect(await inbox.accept({ messages: [message(tenantA)], statuses: [] })).toEqual({ ...NOTHING, duplicates: 1 });
      expect(await inbox.accept({ messages: [message(tenantB)], statuses: [] })).toEqual({ ...NOTHING, accepted: 1 });
      // A body that repeats a message (Meta does) counts the copy as a duplicate.
      const twice = textMessage({ tenantId: tenantA, userId: '5511999990001', timestampMs: now, turnDueAt: now });
      expect(await inbox.accept({ messages: [twice, twice], statuses: [] })).toEqual({ ...NOTHING, accepted: 1, duplicates: 1 });
    });

    it('stores a redelivered message once in the mailbox', async () => {
      const { inbox, conversations, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const message = textMessage({ tenantId, userId, timestampMs: clock.now(), turnDueAt: clock.now() });
      await inbox.accept({ messages: [message], statuses: [] });
      await inbox.accept({ messages: [message], statuses: [] });

      const turn = await conversations.openTurn(tenantId, userId, clock.now());
      expect(turn!.pending.map((pending) => pending.waMessageId)).toEqual([message.waMessageId]);
      expect(turn!.pending[0]).toMatchObject({ type: 'text', text: message.text, sentAt: message.timestampMs });
    });

    it('stores an ignored message without scheduling a turn', async () => {
      const { inbox, queue, conversations, clock } = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const reaction = textMessage({ tenantId, userId, text: null, timestampMs: clock.now(), turnDueAt: clock.now() });

      expect(await inbox.accept({ messages: [reaction], statuses: [] })).toEqual({ ...NOTHING, accepted: 1 });
      expect(await queue.nextDueAt()).toBeNull();
      clock.advance(60_000);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      expect(await conversations.openTurn(tenantId, userId, clock.now())).toBeNull();
      // Stored: its id is claimed, so a redelivery is a duplicate.
      expect(await inbox.accept({ messages: [reaction], statuses: [] })).toEqual({ ...NOTHING, duplicates: 1 });
    });

    it('keeps one turn job per conversation, due at the latest message', async () => {
      const { inbox, queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const chatty = uniqueId('chatty');
      const brief = uniqueId('brief');
      const start = clock.now();
      // 1. The chatty user writes three times in one webhook; the brief user once, then once more later.
      await inbox.accept({
        messages: [
          textMessage({ tenantId, userId: chatty, timestampMs: start, turnDueAt: start + 1500 }),
          textMessage({ tenantId, userId: chatty, timestampMs: start, turnDueAt: start + 3000 }),
          textMessage({ tenantId, userId: chatty, timestampMs: start, turnDueAt: start + 1000 }),
          textMessage({ tenantId, userId: brief, timestampMs: start, turnDueAt: start + 1500 }),
        ],
        statuses: [],
      });
      await inbox.accept({ messages: [textMessage({ tenantId, userId: brief, timestampMs: start, turnDueAt: start + 2500 })], statuses: [] });
      // 2. Nothing is due before the brief user's latest message.
      clock.advance(2499);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      // 3. At +2500 the brief user's single turn is due.
      clock.advance(1);
      const first = await queue.claim('worker-1', 10, LEASE_MS);
      expect(first).toEqual([expect.objectContaining({ name: 'conversation.turn', tenantId, payload: { tenantId, userId: brief } })]);
      // 4. At +3000 the chatty user's single turn is due.
      clock.advance(499);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
      clock.advance(1);
      const second = await queue.claim('worker-1', 10, LEASE_MS);
      expect(second).toEqual([expect.objectContaining({ name: 'conversation.turn', tenantId, payload: { tenantId, userId: chatty } })]);
      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([]);
    });

    it('keeps the turns of the same user id in two tenants apart', async () => {
      const { inbox, queue, clock } = await open();
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const userId = uniqueId('user');
      const now = clock.now();
      await inbox.accept({
        messages: [
          textMessage({ tenantId: tenantA, userId, timestampMs: now, turnDueAt: now }),
          textMessage({ tenantId: tenantB, userId, timestampMs: now, turnDueAt: now }),
        ],
        statuses: [],
      });
      const claimed = await queue.claim('worker-1', 10, LEASE_MS);
      expect(claimed.map((job) => job.payload).sort((a, b) => String(a['tenantId']).localeCompare(String(b['tenantId'])))).toEqual(
        [{ tenantId: tenantA, userId }, { tenantId: tenantB, userId }].sort((a, b) => a.tenantId.localeCompare(b.tenantId)),
      );
    });

    it('parks statuses of unknown messages and applies those of known ones', async () => {
      const { inbox, outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      const early = uniqueId('wamid.out');
      const now = clock.now();

      const parked = await inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId: early, status: 'delivered', timestampMs: now })] });
      expect(parked).toEqual({ ...NOTHING, statusesParked: 1 });

      await outbox.add([textDraft({ tenantId, recipientId })], now);
      const [message] = await outbox.pending(tenantId, recipientId, 10);
      await outbox.markSent(tenantId, message!.id, early, now);
      expect((await outbox.list({ tenantId, recipientId }))[0]).toMatchObject({ id: message!.id, state: 'delivered', waMessageId: early });

      const applied = await inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId: early, status: 'read', timestampMs: now })] });
      expect(applied).toEqual({ ...NOTHING, statusesApplied: 1 });
      expect((await outbox.list({ tenantId, recipientId }))[0]).toMatchObject({ state: 'read' });
    });

    it('does not apply a status to another tenant\'s message with the same id', async () => {
      const { inbox, outbox, clock } = await open();
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const recipientId = uniqueId('user');
      const waMessageId = uniqueId('wamid.out');
      const now = clock.now();
      await outbox.add([textDraft({ tenantId: tenantA, recipientId })], now);
      const [message] = await outbox.pending(tenantA, recipientId, 10);
      await outbox.markSent(tenantA, message!.id, waMessageId, now);

      const result = await inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId: tenantB, waMessageId, status: 'read', timestampMs: now })] });
      expect(result).toEqual({ ...NOTHING, statusesParked: 1 });
      expect((await outbox.list({ tenantId: tenantA }))[0]).toMatchObject({ state: 'sent' });
    });

    it('answers concurrent accepts each with its own result', async () => {
      const { inbox, queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const now = clock.now();
      const message = (userId: string, waMessageId?: string) =>
        textMessage({ tenantId, userId, timestampMs: now, turnDueAt: now, ...(waMessageId ? { waMessageId } : {}) });
      const shared = uniqueId('wamid.shared');
      const users = Array.from({ length: 6 }, () => uniqueId('user'));

      // 1. A burst of webhooks in the same tick.
      const burst = [
        inbox.accept({ messages: [message(users[0]!), message(users[0]!)], statuses: [] }),
        inbox.accept({ messages: [message(users[1]!, shared)], statuses: [] }),
        inbox.accept({ messages: [message(users[1]!, shared), message(users[2]!)], statuses: [] }),
        inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId: uniqueId('wamid.out'), status: 'sent', timestampMs: now })] }),
        inbox.accept({ messages: [], statuses: [] }),
      ];
      // 2. More webhooks while the burst is being written.
      await new Promise((resolve) => setImmediate(resolve));
      const later = [
        inbox.accept({ messages: [message(users[3]!)], statuses: [] }),
        inbox.accept({ messages: [message(users[4]!), message(users[5]!)], statuses: [] }),
        inbox.accept({ messages: [message(users[1]!, shared)], statuses: [] }),
      ];
      const results = await Promise.all([...burst, ...later]);

      expect(results[0]).toEqual({ ...NOTHING, accepted: 2 });
      // The shared id is accepted by exactly one of the three webhooks that carry it.
      const carriers = [results[1]!, results[2]!, results[7]!];
      expect(carriers.reduce((sum, result) => sum + result.accepted, 0)).toBe(2);
      expect(carriers.reduce((sum, result) => sum + result.duplicates, 0)).toBe(2);
      expect(results[2]!.accepted).toBeGreaterThanOrEqual(1); // its other message
      expect(results[3]).toEqual({ ...NOTHING, statusesParked: 1 });
      expect(results[4]).toEqual(NOTHING);
      expect(results[5]).toEqual({ ...NOTHING, accepted: 1 });
      expect(results[6]).toEqual({ ...NOTHING, accepted: 2 });

      // One turn per user who wrote.
      const turns = await queue.claim('worker-1', 100, LEASE_MS);
      expect(turns.map((job) => job.payload['userId']).sort()).toEqual([...users].sort());
    });

    it('answers many concurrent single-message accepts', async () => {
      const { inbox, queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const now = clock.now();
      const messages = Array.from({ length: 150 }, (_, index) => textMessage({ tenantId, userId: `user-${index % 30}`, timestampMs: now, turnDueAt: now }));
      const results = await Promise.all(messages.map((message) => inbox.accept({ messages: [message], statuses: [] })));
      expect(results.every((result) => result.accepted === 1 && result.duplicates === 0)).toBe(true);
      expect(await queue.claim('worker-1', 100, LEASE_MS)).toHaveLength(30);
    });
  });
}
