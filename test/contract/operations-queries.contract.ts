import { afterEach, describe, expect, it } from 'vitest';
import type { AppointmentStore } from '../../src/ports/appointment-store.js';
import type { ConversationStore, TurnCommit } from '../../src/ports/conversation-store.js';
import type { Inbox } from '../../src/ports/inbox.js';
import type { LeadStore } from '../../src/ports/lead-store.js';
import { FIGURE_SLOT_MS, type OperationsQueries } from '../../src/ports/operations-queries.js';
import type { OrderStore } from '../../src/ports/order-store.js';
import type { Outbox } from '../../src/ports/outbox.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { textDraft, textMessage, uniqueId } from './builders.js';

/** What the operations-queries suite needs: the queries, and the stores whose records they read. */
export interface OperationsQueriesFixture {
  queries: OperationsQueries;
  inbox: Inbox;
  conversations: ConversationStore;
  outbox: Outbox;
  orders: OrderStore;
  appointments: AppointmentStore;
  leads: LeadStore;
  clock: ManualClock;
  close(): Promise<void>;
}

/** The guarantees of the OperationsQueries port (src/ports/operations-queries.ts), for every adapter. */
export function operationsQueriesContract(adapterName: string, create: () => Promise<OperationsQueriesFixture>) {
  describe(`${adapterName}: OperationsQueries contract`, () => {
    const opened: OperationsQueriesFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<OperationsQueriesFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    async function receive(fixture: OperationsQueriesFixture, tenantId: string, userId: string, text: string) {
      const now = fixture.clock.now();
      await fixture.inbox.accept({ messages: [textMessage({ tenantId, userId, text, timestampMs: now, turnDueAt: now })], statuses: [] });
    }

    /** Answers what is pending (the worker's commit, without the model); returns the turn and its outbox key. */
    async function answer(fixture: OperationsQueriesFixture, tenantId: string, userId: string, reply: string, extra: Partial<TurnCommit> = {}) {
      const now = fixture.clock.now();
      const turn = (await fixture.conversations.openTurn(tenantId, userId, now))!;
      const turnId = uniqueId('turn');
      await fixture.conversations.commitTurn(tenantId, userId, {
        turnId,
        conversation: turn.conversation,
        messageIds: turn.pending.map((message) => message.id),
        outcome: 'processed',
        history: [],
        outbox: [textDraft({ tenantId, recipientId: userId, idempotencyKey: `${turnId}:0`, text: reply })],
        now,
        ...extra,
      });
      return turnId;
    }

    async function sendPending(fixture: OperationsQueriesFixture, tenantId: string, userId: string) {
      for (const message of await fixture.outbox.pending(tenantId, userId, 50)) {
        await fixture.outbox.markSent(tenantId, message.id, uniqueId('wamid'), fixture.clock.now());
      }
    }

    it('pages conversations newest activity first, by tenant, mode and time', async () => {
      const fixture = await open();
      const { queries, conversations, clock } = fixture;
      const [tenantA, tenantB] = [uniqueId('tenant'), uniqueId('tenant')];
      const users = Array.from({ length: 5 }, () => uniqueId('user'));
      const start = clock.now();
      for (const [index, userId] of users.entries()) {
        await receive(fixture, index < 4 ? tenantA : tenantB, userId, 'hi');
        await answer(fixture, index < 4 ? tenantA : tenantB, userId, 'hello');
        if (index < 2) clock.advance(1000); // users 2, 3 (and 4, of tenant B) share a time: the keyset breaks the tie
      }
      await conversations.setMode(tenantA, users[0]!, 'human', 'test', start);

      const firstPage = await queries.conversations({ tenantIds: [tenantA], limit: 2 });
      expect(firstPage.map((conversation) => conversation.userId)).toEqual([users[2]! > users[3]! ? users[2] : users[3], users[2]! > users[3]! ? users[3] : users[2]]);
      const last = firstPage[1]!;
      const secondPage = await queries.conversations({
        tenantIds: [tenantA],
        limit: 2,
        after: { lastActivityAt: last.lastActivityAt, tenantId: last.tenantId, userId: last.userId },
      });
      expect(secondPage.map((conversation) => conversation.userId)).toEqual([users[1], users[0]]);
      expect((await queries.conversations({ tenantIds: [tenantA], mode: 'human', limit: 10 })).map((c) => c.userId)).toEqual([users[0]]);
      expect((await queries.conversations({ tenantIds: [tenantA], since: start + 1000, until: start + 2000, limit: 10 })).map((c) => c.userId)).toEqual([users[1]]);
      expect((await queries.conversations({ tenantIds: [tenantA, tenantB], limit: 10 })).map((c) => c.tenantId)).toContain(tenantB);
      expect((await queries.conversations({ tenantIds: null, limit: 10 })).length).toBe(5);
      expect(await queries.conversations({ tenantIds: [], limit: 10 })).toEqual([]);
    });

    it('merges a transcript in order with delivery states, and pages it backwards', async () => {
      const fixture = await open();
      const { queries, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      for (const text of ['one', 'two', 'three']) {
        clock.advance(1000);
        await receive(fixture, tenantId, userId, text);
        await answer(fixture, tenantId, userId, `re: ${text}`); // same time as its message: the message comes first
      }
      await sendPending(fixture, tenantId, userId);
      const sentAt = clock.now();
      clock.advance(1000);
      await receive(fixture, tenantId, userId, 'four');
      await receive(fixture, uniqueId('tenant'), userId, 'elsewhere');

      const newest = await queries.transcript(tenantId, userId, { limit: 3 });
      const describe = (entry: (typeof newest)[number]) => (entry.direction === 'in' ? entry.text : JSON.stringify(entry.body));
      expect(newest.map(describe)).toEqual(['four', expect.stringContaining('re: three'), 'three']);
      expect(newest[0]).toMatchObject({ direction: 'in', state: 'pending', type: 'text' });
      expect(newest[1]).toMatchObject({ direction: 'out', kind: 'reply', state: 'sent', sentAt });
      const oldest = newest[2]!;
      const older = await queries.transcript(tenantId, userId, { limit: 10, before: { at: oldest.at, direction: oldest.direction, id: oldest.id } });
      expect(older.map(describe)).toEqual([expect.stringContaining('re: two'), 'two', expect.stringContaining('re: one'), 'one']);
    });

    it('counts a window per 15-minute slot and times each turn to its first answer', async () => {
      const fixture = await open();
      const { queries, clock, orders, leads } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const from = Math.ceil(clock.now() / FIGURE_SLOT_MS) * FIGURE_SLOT_MS;
      clock.advance(from - clock.now() + 60_000);
      await receive(fixture, tenantId, userId, 'hi');
      clock.advance(2000);
      const turnId = await answer(fixture, tenantId, userId, 'hello', {
        modelCall: { model: 'm', inputTokens: 100, outputTokens: 20, durationMs: 5, ok: true, errorCode: null },
        escalation: { kind: 'keyword', trigger: 'agent' },
      });
      clock.advance(3000);
      await sendPending(fixture, tenantId, userId);
      await orders.create({ id: uniqueId('ORD'), tenantId, userId, status: 'pending_review', currency: 'USD', lines: [], totalMinor: 1, note: null }, clock.now());
      await leads.merge(tenantId, userId, { name: 'Ana' }, clock.now());
      clock.advance(FIGURE_SLOT_MS);
      await receive(fixture, tenantId, userId, 'still there?'); // pending: no turn yet
      await receive(fixture, uniqueId('tenant'), userId, 'another tenant');

      const activity = await queries.activity(tenantId, { from, to: from + 2 * FIGURE_SLOT_MS });
      expect(activity.messagesIn).toEqual([{ slot: from, count: 1 }, { slot: from + FIGURE_SLOT_MS, count: 1 }]);
      expect(activity.messagesOut).toEqual([{ slot: from, count: 1 }]);
      expect(activity.escalations).toEqual([{ slot: from, count: 1 }]);
      expect(activity.modelTokens).toEqual([{ slot: from, count: 120 }]);
      expect(activity.ordersPlaced).toEqual([{ slot: from, count: 1 }]);
      expect(activity.ordersPendingReview).toEqual([{ slot: from, count: 1 }]);
      expect(activity.bookings).toEqual([]);
      expect(activity.turns).toEqual([{ turnId, firstInboundAt: from + 60_000, firstReplySentAt: from + 65_000 }]);
      expect(activity.leads).toEqual([{ userId, fields: { name: 'Ana' }, updatedAt: from + 65_000 }]);
      expect((await queries.activity(tenantId, { from: from + 2 * FIGURE_SLOT_MS, to: from + 3 * FIGURE_SLOT_MS })).messagesIn).toEqual([]);
    });

    it('summarises each tenant: the last hour, waiting conversations, the newest message', async () => {
      const fixture = await open();
      const { queries, clock } = fixture;
      const [busy, quiet, empty] = [uniqueId('tenant'), uniqueId('tenant'), uniqueId('tenant')];
      await receive(fixture, quiet, uniqueId('user'), 'long ago');
      const longAgo = clock.now();
      clock.advance(2 * 60 * 60 * 1000);
      const [first, second] = [uniqueId('user'), uniqueId('user')];
      await receive(fixture, busy, first, 'a');
      await receive(fixture, busy, first, 'b');
      await receive(fixture, busy, second, 'c');
      await answer(fixture, busy, second, 'answered');

      const summaries = await queries.summaries([busy, quiet, empty], clock.now());
      expect(summaries.get(busy)).toEqual({ messagesLastHour: 3, pendingTurns: 1, lastInboundAt: clock.now() });
      expect(summaries.get(quiet)).toEqual({ messagesLastHour: 0, pendingTurns: 1, lastInboundAt: longAgo });
      expect(summaries.get(empty)).toEqual({ messagesLastHour: 0, pendingTurns: 0, lastInboundAt: null });
      expect((await queries.summaries([], clock.now())).size).toBe(0);
    });
  });
}
