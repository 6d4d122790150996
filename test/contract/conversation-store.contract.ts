import { afterEach, describe, expect, it } from 'vitest';
import type { ConversationStore, TurnCommit } from '../../src/ports/conversation-store.js';
import type { Inbox } from '../../src/ports/inbox.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { Outbox } from '../../src/ports/outbox.js';
import { SwitchboardError } from '../../src/shared/errors.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { textDraft, textMessage, uniqueId } from './builders.js';

/**
 * What the conversation-store suite needs: an empty store, the inbox that fills its mailboxes, the
 * outbox and queue its commits write to.
 */
export interface ConversationStoreFixture {
  conversations: ConversationStore;
  inbox: Inbox;
  outbox: Outbox;
  queue: JobQueue;
  clock: ManualClock;
  close(): Promise<void>;
}

const LEASE_MS = 30_000;

/** The guarantees of the ConversationStore port (src/ports/conversation-store.ts), for every adapter. */
export function conversationStoreContract(adapterName: string, create: () => Promise<ConversationStoreFixture>) {
  describe(`${adapterName}: ConversationStore contract`, () => {
    const opened: ConversationStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<ConversationStoreFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    /** A user message lands in the mailbox. */
    async function receive(fixture: ConversationStoreFixture, tenantId: string, userId: string, text: string, timestampMs = fixture.clock.now()) {
      const message = textMessage({ tenantId, userId, text, timestampMs, turnDueAt: fixture.clock.now() });
      await fixture.inbox.accept({ messages: [message], statuses: [] });
      return message;
    }

    /** Opens the turn of what is pending and commits it with a reply (the worker's path, without the model). */
    async function answer(
      fixture: ConversationStoreFixture,
      tenantId: string,
      userId: string,
      reply: string,
      extra: Partial<TurnCommit> = {},
    ): Promise<TurnCommit> {
      const now = fixture.clock.now();
      const turn = await fixture.conversations.openTurn(tenantId, userId, now);
      expect(turn).not.toBeNull();
      const turnId = uniqueId('turn');
      const commit: TurnCommit = {
        turnId,
        conversation: turn!.conversation,
        messageIds: turn!.pending.map((message) => message.id),
        outcome: 'processed',
        history: [
          { role: 'user', content: turn!.pending.map((message) => message.text).join('\n') },
          { role: 'assistant', content: reply },
        ],
        outbox: [textDraft({ tenantId, recipientId: userId, idempotencyKey: `${turnId}:0`, text: reply })],
        now,
        ...extra,
      };
      await fixture.conversations.commitTurn(tenantId, userId, commit);
      return commit;
    }

    it('opens no turn when nothing is pending', async () => {
      const fixture = await open();
      const { conversations, inbox, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      expect(await conversations.openTurn(tenantId, userId, clock.now())).toBeNull();
      await inbox.accept({ messages: [textMessage({ tenantId, userId, text: null, timestampMs: clock.now(), turnDueAt: clock.now() })], statuses: [] });
      expect(await conversations.openTurn(tenantId, userId, clock.now())).toBeNull();

      await receive(fixture, tenantId, userId, 'hi');
      await answer(fixture, tenantId, userId, 'hello');
      expect(await conversations.openTurn(tenantId, userId, clock.now())).toBeNull();
    });

    it('opens a new conversation in bot mode for a first message, without saving it', async () => {
      const fixture = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await receive(fixture, tenantId, userId, 'hi');
      const turn = await fixture.conversations.openTurn(tenantId, userId, fixture.clock.now());

      expect(turn!.conversation).toMatchObject({ tenantId, userId, address: { kind: 'phone', value: userId }, mode: 'bot' });
      expect(await fixture.conversations.get(tenantId, userId)).toBeNull();
    });

    it('lists pending messages by timestamp, then by arrival', async () => {
      const fixture = await open();
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const now = fixture.clock.now();
      const first = textMessage({ tenantId, userId, text: 'first at 100', timestampMs: now - 100, turnDueAt: now });
      const earlier = textMessage({ tenantId, userId, text: 'sent at 50, arrived second', timestampMs: now - 150, turnDueAt: now });
      await fixture.inbox.accept({ messages: [first, earlier], statuses: [] });
      fixture.clock.advance(10);
      const sameTime = await receive(fixture, tenantId, userId, 'also at 100, arrived last', now - 100);

      const turn = await fixture.conversations.openTurn(tenantId, userId, fixture.clock.now());
      expect(turn!.pending.map((message) => message.waMessageId)).toEqual([earlier.waMessageId, first.waMessageId, sameTime.waMessageId]);
      expect(turn!.pending.map((message) => message.text)).toEqual(['sent at 50, arrived second', 'first at 100', 'also at 100, arrived last']);
    });

    it('commits a turn: messages consumed, history appended, outbox written and scheduled, mode set', async () => {
      const fixture = await open();
      const { conversations, outbox, queue, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await receive(fixture, tenantId, userId, 'I need a human');
      const commit = await answer(fixture, tenantId, userId, 'A person will answer you soon', {
        mode: { mode: 'human', reason: 'keyword: human' },
      });

      expect(await conversations.openTurn(tenantId, userId, clock.now())).toBeNull();
      expect(await conversations.history(tenantId, userId, 0, 10)).toEqual([
        { role: 'user', content: 'I need a human', createdAt: commit.now },
        { role: 'assistant', content: 'A person will answer you soon', createdAt: commit.now },
      ]);
      const pending = await outbox.pending(tenantId, userId, 10);
      expect(pending).toEqual([
        expect.objectContaining({
          tenantId,
          recipientId: userId,
          kind: 'reply',
          idempotencyKey: commit.outbox[0]!.idempotencyKey,
          body: commit.outbox[0]!.body,
          state: 'pending',
          attempts: 0,
          waMessageId: null,
        }),
      ]);
      expect(await conversations.get(tenantId, userId)).toMatchObject({
        tenantId,
        userId,
        mode: 'human',
        modeReason: 'keyword: human',
        modeChangedAt: commit.now,
        lastActivityAt: commit.now,
      });
      // The turn job is still leased by nobody; the delivery job is due now.
      const jobs = await queue.claim('worker-1', 10, LEASE_MS);
      expect(jobs).toContainEqual(expect.objectContaining({ name: 'outbox.deliver', tenantId, payload: { tenantId, recipientId: userId } }));
    });

    it('refuses a second commit of the same messages and writes nothing', async () => {
      const fixture = await open();
      const { conversations, outbox, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await receive(fixture, tenantId, userId, 'hi');
      const turn = await conversations.openTurn(tenantId, userId, clock.now());
      // 1. Two workers opened the same turn; the first commits.
      const base = { conversation: turn!.conversation, messageIds: turn!.pending.map((message) => message.id), outcome: 'processed' as const, now: clock.now() };
      await conversations.commitTurn(tenantId, userId, {
        ...base,
        turnId: 'turn-first',
        history: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'first answer' }],
        outbox: [textDraft({ tenantId, recipientId: userId, idempotencyKey: `${tenantId}:turn-first:0`, text: 'first answer' })],
      });
      // 2. The second worker's commit fails and leaves no trace.
      clock.advance(1000);
      const second = conversations.commitTurn(tenantId, userId, {
        ...base,
        turnId: 'turn-second',
        history: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'second answer' }],
        outbox: [textDraft({ tenantId, recipientId: userId, idempotencyKey: `${tenantId}:turn-second:0`, text: 'second answer' })],
        mode: { mode: 'human', reason: 'should not stick' },
        now: clock.now(),
      });
      await expect(second).rejects.toBeInstanceOf(SwitchboardError);
      await expect(second).rejects.toMatchObject({ code: 'TURN_ALREADY_COMMITTED' });

      expect((await conversations.history(tenantId, userId, 0, 10)).map((entry) => entry.content)).toEqual(['hi', 'first answer']);
      expect((await outbox.pending(tenantId, userId, 10)).map((message) => message.idempotencyKey)).toEqual([`${tenantId}:turn-first:0`]);
      expect(await conversations.get(tenantId, userId)).toMatchObject({ mode: 'bot', lastActivityAt: base.now });
    });

    it('refuses a commit when any of its messages was consumed, leaving the others pending', async () => {
      const fixture = await open();
      const { conversations, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      await receive(fixture, tenantId, userId, 'one');
      const stale = await conversations.openTurn(tenantId, userId, clock.now());
      await answer(fixture, tenantId, userId, 'answer to one');
      clock.advance(1000);
      await receive(fixture, tenantId, userId, 'two');
      const fresh = await conversations.openTurn(tenantId, userId, clock.now());
      const ids = [...stale!.pending, ...fresh!.pending].map((message) => message.id);

      await expect(
        conversations.commitTurn(tenantId, userId, {
          turnId: uniqueId('turn'),
          conversation: fresh!.conversation,
          messageIds: ids,
          outcome: 'processed',
          history: [{ role: 'assistant', content: 'stale answer' }],
          outbox: [textDraft({ tenantId, recipientId: userId })],
          now: clock.now(),
        }),
      ).rejects.toMatchObject({ code: 'TURN_ALREADY_COMMITTED' });

      expect((await conversations.openTurn(tenantId, userId, clock.now()))!.pending.map((message) => message.text)).toEqual(['two']);
      expect((await conversations.history(tenantId, userId, 0, 10)).map((entry) => entry.content)).toEqual(['one', 'answer to one']);
    });

    it('returns the newest history entries, oldest first, since a time', async () => {
      const fixture = await open();
      const { conversations, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const times: number[] = [];
      for (const number of [1, 2, 3]) {
        await receive(fixture, tenantId, userId, `question ${number}`);
        times.push(clock.now());
        await answer(fixture, tenantId, userId, `answer ${number}`);
        clock.advance(60_000);
      }

      expect((await conversations.history(tenantId, userId, 0, 3)).map((entry) => entry.content)).toEqual(['answer 2', 'question 3', 'answer 3']);
      expect((await conversations.history(tenantId, userId, 0, 100)).map((entry) => entry.content)).toEqual([
        'question 1',
        'answer 1',
        'question 2',
        'answer 2',
        'question 3',
        'answer 3',
      ]);
      const sinceSecond = await conversations.history(tenantId, userId, times[1]!, 100);
      expect(sinceSecond.map((entry) => entry.content)).toEqual(['question 2', 'answer 2', 'question 3', 'answer 3']);
      expect(sinceSecond.map((entry) => entry.createdAt)).toEqual([times[1], times[1], times[2], times[2]]);
      expect(await conversations.history(tenantId, userId, clock.now(), 100)).toEqual([]);
    });

    it('never shows one tenant or user the mailbox, history or outbox of another', async () => {
      const fixture = await open();
      const { conversations, outbox, clock } = fixture;
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const user1 = uniqueId('user-1');
      const user2 = uniqueId('user-2');
      await receive(fixture, tenantA, user1, 'A1 question');
      await receive(fixture, tenantA, user2, 'A2 question');
      await receive(fixture, tenantB, user1, 'B1 question');

      const pendingText = async (tenantId: string, userId: string) =>
        (await conversations.openTurn(tenantId, userId, clock.now()))!.pending.map((message) => message.text);
      expect(await pendingText(tenantA, user1)).toEqual(['A1 question']);
      expect(await pendingText(tenantA, user2)).toEqual(['A2 question']);
      expect(await pendingText(tenantB, user1)).toEqual(['B1 question']);

      await answer(fixture, tenantA, user1, 'A1 answer');
      expect(await conversations.get(tenantB, user1)).toBeNull();
      expect(await conversations.get(tenantA, user2)).toBeNull();
      expect(await pendingText(tenantB, user1)).toEqual(['B1 question']);
      await answer(fixture, tenantB, user1, 'B1 answer');
      await answer(fixture, tenantA, user2, 'A2 answer');

      const historyText = async (tenantId: string, userId: string) =>
        (await conversations.history(tenantId, userId, 0, 100)).map((entry) => entry.content);
      expect(await historyText(tenantA, user1)).toEqual(['A1 question', 'A1 answer']);
      expect(await historyText(tenantA, user2)).toEqual(['A2 question', 'A2 answer']);
      expect(await historyText(tenantB, user1)).toEqual(['B1 question', 'B1 answer']);
      expect(await historyText(tenantB, user2)).toEqual([]);

      const outboxText = async (tenantId: string, userId: string) =>
        (await outbox.pending(tenantId, userId, 100)).map((message) => (message.body['text'] as { body: string }).body);
      expect(await outboxText(tenantA, user1)).toEqual(['A1 answer']);
      expect(await outboxText(tenantB, user1)).toEqual(['B1 answer']);
      expect(await outboxText(tenantA, user2)).toEqual(['A2 answer']);
    });

    it('sets the mode only when it changes', async () => {
      const fixture = await open();
      const { conversations, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      expect(await conversations.setMode(tenantId, userId, 'human', 'agent took over', clock.now())).toBe(false);
      expect(await conversations.get(tenantId, userId)).toBeNull();

      await receive(fixture, tenantId, userId, 'hi');
      await answer(fixture, tenantId, userId, 'hello');
      clock.advance(5000);
      expect(await conversations.setMode(tenantId, userId, 'bot', 'already bot', clock.now())).toBe(false);
      expect(await conversations.setMode(tenantId, userId, 'human', 'agent took over', clock.now())).toBe(true);
      expect(await conversations.get(tenantId, userId)).toMatchObject({ mode: 'human', modeReason: 'agent took over', modeChangedAt: clock.now() });
      expect(await conversations.setMode(tenantId, userId, 'human', 'again', clock.now())).toBe(false);
      expect(await conversations.get(tenantId, userId)).toMatchObject({ mode: 'human', modeReason: 'agent took over' });
      expect(await conversations.setMode(uniqueId('other-tenant'), userId, 'bot', 'wrong tenant', clock.now())).toBe(false);
      expect(await conversations.get(tenantId, userId)).toMatchObject({ mode: 'human' });
    });

    it('lists conversations by tenant and mode', async () => {
      const fixture = await open();
      const { conversations } = fixture;
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const user1 = uniqueId('user-1');
      const user2 = uniqueId('user-2');
      for (const [tenantId, userId] of [[tenantA, user1], [tenantA, user2], [tenantB, user1]] as const) {
        await receive(fixture, tenantId, userId, 'hi');
        await answer(fixture, tenantId, userId, 'hello');
        fixture.clock.advance(1000);
      }
      await conversations.setMode(tenantA, user2, 'human', 'agent', fixture.clock.now());
      await conversations.setMode(tenantB, user1, 'human', 'agent', fixture.clock.now());

      const keys = (list: Array<{ tenantId: string; userId: string }>) => list.map((item) => `${item.tenantId}/${item.userId}`).sort();
      expect(keys(await conversations.list({ tenantId: tenantA }))).toEqual(keys([{ tenantId: tenantA, userId: user1 }, { tenantId: tenantA, userId: user2 }]));
      expect(keys(await conversations.list({ mode: 'human' }))).toEqual(keys([{ tenantId: tenantA, userId: user2 }, { tenantId: tenantB, userId: user1 }]));
      expect(keys(await conversations.list({ tenantId: tenantA, mode: 'human' }))).toEqual([`${tenantA}/${user2}`]);
      expect(keys(await conversations.list({ tenantId: tenantB, mode: 'bot' }))).toEqual([]);
      expect(await conversations.list({ tenantId: tenantA, limit: 1 })).toHaveLength(1);
    });
  });
}
