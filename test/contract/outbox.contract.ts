import { afterEach, describe, expect, it } from 'vitest';
import type { Inbox } from '../../src/ports/inbox.js';
import type { JobQueue } from '../../src/ports/job-queue.js';
import type { Outbox, OutboxMessage } from '../../src/ports/outbox.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { deliveryStatus, textDraft, uniqueId } from './builders.js';

/** What the outbox suite needs: an empty outbox, the inbox that brings statuses, the queue of deliveries. */
export interface OutboxFixture {
  outbox: Outbox;
  inbox: Inbox;
  queue: JobQueue;
  clock: ManualClock;
  close(): Promise<void>;
}

const LEASE_MS = 30_000;

/** The guarantees of the Outbox port (src/ports/outbox.ts), for every adapter. */
export function outboxContract(adapterName: string, create: () => Promise<OutboxFixture>) {
  describe(`${adapterName}: Outbox contract`, () => {
    const opened: OutboxFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<OutboxFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    /** Adds one message, records it as sent with a fresh wamid, and returns both. */
    async function sendOne(fixture: OutboxFixture, tenantId: string, recipientId: string): Promise<{ message: OutboxMessage; waMessageId: string }> {
      await fixture.outbox.add([textDraft({ tenantId, recipientId })], fixture.clock.now());
      const [message] = await fixture.outbox.pending(tenantId, recipientId, 1);
      const waMessageId = uniqueId('wamid.out');
      await fixture.outbox.markSent(tenantId, message!.id, waMessageId, fixture.clock.now());
      return { message: message!, waMessageId };
    }

    async function stateOf(outbox: Outbox, tenantId: string, id: string) {
      return (await outbox.list({ tenantId })).find((message) => message.id === id);
    }

    it('ignores a draft whose idempotency key was written before', async () => {
      const { outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      const idempotencyKey = uniqueId('turn');
      await outbox.add([textDraft({ tenantId, recipientId, idempotencyKey, text: 'first' }), textDraft({ tenantId, recipientId, idempotencyKey, text: 'copy' })], clock.now());
      await outbox.add([textDraft({ tenantId, recipientId, idempotencyKey, text: 'retry' })], clock.now());

      const pending = await outbox.pending(tenantId, recipientId, 10);
      expect(pending).toHaveLength(1);
      expect(pending[0]).toMatchObject({ idempotencyKey, body: { type: 'text', text: { body: 'first' } }, state: 'pending' });
    });

    it('lists a recipient\'s pending messages oldest first', async () => {
      const { outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      const other = uniqueId('other-user');
      await outbox.add(
        [
          textDraft({ tenantId, recipientId, text: 'one' }),
          textDraft({ tenantId, recipientId: other, text: 'for someone else' }),
          textDraft({ tenantId, recipientId, text: 'two' }),
        ],
        clock.now(),
      );
      clock.advance(1000);
      await outbox.add([textDraft({ tenantId, recipientId, text: 'three' })], clock.now());
      await outbox.add([textDraft({ tenantId: uniqueId('other-tenant'), recipientId, text: 'other tenant' })], clock.now());

      const text = (messages: OutboxMessage[]) => messages.map((message) => (message.body['text'] as { body: string }).body);
      expect(text(await outbox.pending(tenantId, recipientId, 10))).toEqual(['one', 'two', 'three']);
      expect(text(await outbox.pending(tenantId, recipientId, 2))).toEqual(['one', 'two']);
      expect(text(await outbox.pending(tenantId, other, 10))).toEqual(['for someone else']);

      const [one] = await outbox.pending(tenantId, recipientId, 1);
      await outbox.markSent(tenantId, one!.id, uniqueId('wamid.out'), clock.now());
      expect(text(await outbox.pending(tenantId, recipientId, 10))).toEqual(['two', 'three']);
    });

    it('schedules one delivery job per recipient when messages are added', async () => {
      const { outbox, queue, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId }), textDraft({ tenantId, recipientId })], clock.now());
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());

      expect(await queue.claim('worker-1', 10, LEASE_MS)).toEqual([
        expect.objectContaining({ name: 'outbox.deliver', tenantId, payload: { tenantId, recipientId } }),
      ]);
    });

    it('records the wamid on markSent and applies statuses parked before it', async () => {
      const fixture = await open();
      const { outbox, inbox, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());
      const [message] = await outbox.pending(tenantId, recipientId, 1);
      const waMessageId = uniqueId('wamid.out');
      // 1. Meta's statuses overtake the recording of the send.
      const parked = await inbox.accept({
        messages: [],
        statuses: [
          deliveryStatus({ tenantId, waMessageId, status: 'delivered', timestampMs: clock.now() }),
          deliveryStatus({ tenantId, waMessageId, status: 'read', timestampMs: clock.now() }),
        ],
      });
      expect(parked.statusesParked).toBe(2);
      // 2. The send is recorded: the parked statuses apply at once.
      await outbox.markSent(tenantId, message!.id, waMessageId, clock.now());
      expect(await stateOf(outbox, tenantId, message!.id)).toMatchObject({ state: 'read', waMessageId, attempts: 1 });
      expect(await outbox.pending(tenantId, recipientId, 10)).toEqual([]);
    });

    it('forgets statuses parked before a cut-off, and only those', async () => {
      const fixture = await open();
      const { outbox, inbox, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      const old = uniqueId('wamid.out');
      const recent = uniqueId('wamid.out');
      await inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId: old, status: 'read', timestampMs: clock.now() })] });
      clock.advance(60_000);
      const cutOff = clock.now();
      await inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId: recent, status: 'read', timestampMs: clock.now() })] });

      expect(await outbox.dropParkedStatuses(cutOff)).toBe(1);
      // The recent one is still applied when its send is recorded; the old one is gone.
      await outbox.add([textDraft({ tenantId, recipientId }), textDraft({ tenantId, recipientId })], clock.now());
      const [first, second] = await outbox.pending(tenantId, recipientId, 2);
      await outbox.markSent(tenantId, first!.id, old, clock.now());
      await outbox.markSent(tenantId, second!.id, recent, clock.now());
      expect(await stateOf(outbox, tenantId, first!.id)).toMatchObject({ state: 'sent' });
      expect(await stateOf(outbox, tenantId, second!.id)).toMatchObject({ state: 'read' });
    });

    it('applies parked statuses that arrived out of order without moving backwards', async () => {
      const { outbox, inbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());
      const [message] = await outbox.pending(tenantId, recipientId, 1);
      const waMessageId = uniqueId('wamid.out');
      await inbox.accept({
        messages: [],
        statuses: [
          deliveryStatus({ tenantId, waMessageId, status: 'read', timestampMs: clock.now() }),
          deliveryStatus({ tenantId, waMessageId, status: 'delivered', timestampMs: clock.now() }),
        ],
      });
      await outbox.markSent(tenantId, message!.id, waMessageId, clock.now());
      expect(await stateOf(outbox, tenantId, message!.id)).toMatchObject({ state: 'read' });
    });

    it('never moves a status backwards', async () => {
      const fixture = await open();
      const { outbox, inbox, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const { message, waMessageId } = await sendOne(fixture, tenantId, uniqueId('user'));
      const status = (value: 'sent' | 'delivered' | 'read') => inbox.accept({ messages: [], statuses: [deliveryStatus({ tenantId, waMessageId, status: value, timestampMs: clock.now() })] });

      expect(await stateOf(outbox, tenantId, message.id)).toMatchObject({ state: 'sent' });
      await status('delivered');
      expect(await stateOf(outbox, tenantId, message.id)).toMatchObject({ state: 'delivered' });
      await status('sent');
      expect(await stateOf(outbox, tenantId, message.id)).toMatchObject({ state: 'delivered' });
      await status('read');
      expect(await stateOf(outbox, tenantId, message.id)).toMatchObject({ state: 'read' });
      await status('delivered');
      await status('sent');
      expect(await stateOf(outbox, tenantId, message.id)).toMatchObject({ state: 'read' });
    });

    it('records a failure and its code', async () => {
      const { outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());
      const [message] = await outbox.pending(tenantId, recipientId, 1);
      await outbox.markFailed(tenantId, message!.id, { code: 131047, detail: 'Re-engagement message' }, clock.now());

      expect(await stateOf(outbox, tenantId, message!.id)).toMatchObject({ state: 'failed', errorCode: 131047, errorDetail: 'Re-engagement message', attempts: 1 });
      expect(await outbox.pending(tenantId, recipientId, 10)).toEqual([]);
    });

    it('counts attempts without changing the state', async () => {
      const { outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());
      const [message] = await outbox.pending(tenantId, recipientId, 1);
      await outbox.recordAttempt(tenantId, message!.id, 'graph 503', clock.now());
      await outbox.recordAttempt(tenantId, message!.id, 'graph 503', clock.now());

      expect(await outbox.pending(tenantId, recipientId, 10)).toEqual([expect.objectContaining({ id: message!.id, state: 'pending', attempts: 2 })]);
    });

    it('ignores a write for another tenant\'s message id', async () => {
      const { outbox, clock } = await open();
      const tenantId = uniqueId('tenant');
      const recipientId = uniqueId('user');
      await outbox.add([textDraft({ tenantId, recipientId })], clock.now());
      const [message] = await outbox.pending(tenantId, recipientId, 1);
      const intruder = uniqueId('intruder');
      await outbox.markSent(intruder, message!.id, uniqueId('wamid.out'), clock.now());
      await outbox.markFailed(intruder, message!.id, { code: 1, detail: 'nope' }, clock.now());

      expect(await outbox.pending(tenantId, recipientId, 10)).toEqual([expect.objectContaining({ id: message!.id, state: 'pending', attempts: 0 })]);
      expect(await outbox.list({ tenantId: intruder })).toEqual([]);
    });

    it('lists the recipients with pending messages', async () => {
      const fixture = await open();
      const { outbox, clock } = fixture;
      const tenantA = uniqueId('tenant-a');
      const tenantB = uniqueId('tenant-b');
      const waiting = uniqueId('waiting');
      const done = uniqueId('done');
      await outbox.add([textDraft({ tenantId: tenantA, recipientId: waiting }), textDraft({ tenantId: tenantA, recipientId: waiting })], clock.now());
      await outbox.add([textDraft({ tenantId: tenantB, recipientId: waiting })], clock.now());
      await sendOne(fixture, tenantA, done);

      const recipients = await outbox.pendingRecipients();
      const keys = recipients.map((recipient) => `${recipient.tenantId}/${recipient.recipientId}`).sort();
      expect(keys).toEqual([`${tenantA}/${waiting}`, `${tenantB}/${waiting}`].sort());
    });
  });
}
