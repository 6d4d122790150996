import { afterEach, describe, expect, it } from 'vitest';
import type { AppointmentStore } from '../../src/ports/appointment-store.js';
import type { ManualClock } from '../helpers/switchboard.js';
import { uniqueId } from './builders.js';

/** What the appointment-store suite needs: an empty store and the clock its tests move. */
export interface AppointmentStoreFixture {
  appointments: AppointmentStore;
  clock: ManualClock;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const HOLD_MS = 10 * 60_000;

/** The guarantees of the AppointmentStore port (src/ports/appointment-store.ts), for every adapter. */
export function appointmentStoreContract(adapterName: string, create: () => Promise<AppointmentStoreFixture>) {
  describe(`${adapterName}: AppointmentStore contract`, () => {
    const opened: AppointmentStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((fixture) => fixture.close()));
    });
    async function open(): Promise<AppointmentStoreFixture> {
      const fixture = await create();
      opened.push(fixture);
      return fixture;
    }

    /** A one-hour slot starting `hoursAhead` hours after the clock's now. */
    function slotAt(clock: ManualClock, hoursAhead: number) {
      const start = clock.now() + hoursAhead * HOUR;
      return { start, end: start + HOUR };
    }

    /** Holds a slot for ten minutes in a fresh turn. */
    function hold(fixture: AppointmentStoreFixture, tenantId: string, userId: string, slot: { start: number; end: number }, replacesId: string | null = null) {
      const now = fixture.clock.now();
      return fixture.appointments.hold(tenantId, userId, slot, { turnKey: uniqueId('turn'), expiresAt: now + HOLD_MS, replacesId, now });
    }

    /** Holds and confirms a slot; returns the confirmed appointment. */
    async function book(fixture: AppointmentStoreFixture, tenantId: string, userId: string, slot: { start: number; end: number }, replacesId: string | null = null) {
      const held = await hold(fixture, tenantId, userId, slot, replacesId);
      if (!held.ok) throw new Error('slot was taken');
      const confirmed = await fixture.appointments.confirm(tenantId, userId, held.appointment.id, fixture.clock.now());
      if (!confirmed) throw new Error('hold was not confirmed');
      return confirmed;
    }

    it('gives a slot to exactly one of fifty users holding it at once', async () => {
      const fixture = await open();
      const tenantId = uniqueId('tenant');
      const slot = slotAt(fixture.clock, 24);
      const users = Array.from({ length: 50 }, (_, index) => uniqueId(`user${index}`));

      const results = await Promise.all(users.map((userId) => hold(fixture, tenantId, userId, slot)));

      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((result) => !result.ok).every((result) => !result.ok && result.reason === 'slot_taken')).toBe(true);
      const live = await fixture.appointments.list(tenantId, { status: 'held', limit: 100 });
      expect(live).toHaveLength(1);
      expect(live[0]!.userId).toBe(winners[0]!.ok && winners[0]!.appointment.userId);
    });

    it('holds a slot with its expiry, turn key and start', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const slot = slotAt(clock, 3);
      const turnKey = uniqueId('turn');

      const result = await appointments.hold(tenantId, userId, slot, { turnKey, expiresAt: clock.now() + HOLD_MS, replacesId: null, now: clock.now() });

      expect(result.ok).toBe(true);
      const appointment = result.ok ? result.appointment : null;
      expect(appointment).toMatchObject({
        tenantId,
        userId,
        start: slot.start,
        end: slot.end,
        status: 'held',
        holdExpiresAt: clock.now() + HOLD_MS,
        heldInTurn: turnKey,
        replacesId: null,
        createdAt: clock.now(),
      });
      expect(appointment!.id).toMatch(/^appt_/);
      expect(await appointments.get(tenantId, appointment!.id)).toEqual(appointment);
      expect(await appointments.currentHold(tenantId, userId, clock.now())).toEqual(appointment);
    });

    it('frees the slot of an expired hold for someone else', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const first = uniqueId('user');
      const second = uniqueId('user');
      const slot = slotAt(clock, 5);
      const firstHold = await hold(fixture, tenantId, first, slot);
      expect(firstHold.ok).toBe(true);
      expect((await hold(fixture, tenantId, second, slot)).ok).toBe(false);

      clock.advance(HOLD_MS);

      expect(await appointments.currentHold(tenantId, first, clock.now())).toBeNull();
      const secondHold = await hold(fixture, tenantId, second, slot);
      expect(secondHold.ok).toBe(true);
      expect((await appointments.get(tenantId, firstHold.ok ? firstHold.appointment.id : ''))!.status).toBe('released');
    });

    it('keeps one hold per user: holding another slot releases the first', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const other = uniqueId('user');
      const morning = slotAt(clock, 20);
      const afternoon = slotAt(clock, 26);
      const first = await hold(fixture, tenantId, userId, morning);

      const second = await hold(fixture, tenantId, userId, afternoon);

      expect(second.ok).toBe(true);
      const current = await appointments.currentHold(tenantId, userId, clock.now());
      expect(current?.start).toBe(afternoon.start);
      expect((await appointments.get(tenantId, first.ok ? first.appointment.id : ''))!.status).toBe('released');
      expect((await hold(fixture, tenantId, other, morning)).ok).toBe(true);
      expect(await appointments.takenStarts(tenantId, morning.start, afternoon.end, clock.now())).toEqual(new Set([morning.start, afternoon.start]));
    });

    it('keeps the user\'s hold when the slot they ask for next is taken', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const mine = slotAt(clock, 2);
      const theirs = slotAt(clock, 4);
      const held = await hold(fixture, tenantId, userId, mine);
      await hold(fixture, tenantId, uniqueId('user'), theirs);

      expect(await hold(fixture, tenantId, userId, theirs)).toEqual({ ok: false, reason: 'slot_taken' });

      expect((await appointments.currentHold(tenantId, userId, clock.now()))?.id).toBe(held.ok && held.appointment.id);
    });

    it('renews the hold when the user holds the same slot again', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const slot = slotAt(clock, 8);
      const first = await hold(fixture, tenantId, userId, slot);
      clock.advance(HOLD_MS / 2);
      const turnKey = uniqueId('turn');

      const again = await appointments.hold(tenantId, userId, slot, { turnKey, expiresAt: clock.now() + HOLD_MS, replacesId: null, now: clock.now() });

      expect(again.ok).toBe(true);
      const renewed = again.ok ? again.appointment : null;
      expect(renewed).toMatchObject({ id: first.ok && first.appointment.id, status: 'held', heldInTurn: turnKey, holdExpiresAt: clock.now() + HOLD_MS });
      clock.advance(HOLD_MS / 2 + 1);
      expect((await appointments.currentHold(tenantId, userId, clock.now()))?.id).toBe(renewed!.id);
      expect(await appointments.list(tenantId, { limit: 10 })).toHaveLength(1);
    });

    it('confirms a live hold', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const slot = slotAt(clock, 30);
      const held = await hold(fixture, tenantId, userId, slot);
      clock.advance(60_000);

      const confirmed = await appointments.confirm(tenantId, userId, held.ok ? held.appointment.id : '', clock.now());

      expect(confirmed).toMatchObject({ status: 'confirmed', holdExpiresAt: null, start: slot.start, updatedAt: clock.now() });
      expect(await appointments.currentHold(tenantId, userId, clock.now())).toBeNull();
      expect(await appointments.upcoming(tenantId, userId, clock.now())).toEqual([confirmed]);
      clock.advance(HOLD_MS * 10);
      expect(await appointments.takenStarts(tenantId, slot.start, slot.end, clock.now())).toEqual(new Set([slot.start]));
      expect((await hold(fixture, tenantId, uniqueId('user'), slot)).ok).toBe(false);
    });

    it('does not confirm an expired hold, someone else\'s hold, or a hold twice', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const expiring = await hold(fixture, tenantId, userId, slotAt(clock, 3));
      clock.advance(HOLD_MS);
      expect(await appointments.confirm(tenantId, userId, expiring.ok ? expiring.appointment.id : '', clock.now())).toBeNull();

      const held = await hold(fixture, tenantId, userId, slotAt(clock, 6));
      const holdId = held.ok ? held.appointment.id : '';
      expect(await appointments.confirm(tenantId, uniqueId('user'), holdId, clock.now())).toBeNull();
      expect(await appointments.confirm(tenantId, userId, holdId, clock.now())).not.toBeNull();
      expect(await appointments.confirm(tenantId, userId, holdId, clock.now())).toBeNull();
      expect(await appointments.confirm(tenantId, userId, uniqueId('appt'), clock.now())).toBeNull();
    });

    it('cancels the replaced appointment when a reschedule is confirmed', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const oldSlot = slotAt(clock, 24);
      const newSlot = slotAt(clock, 48);
      const original = await book(fixture, tenantId, userId, oldSlot);

      const moved = await hold(fixture, tenantId, userId, newSlot, original.id);
      expect(moved.ok && moved.appointment.replacesId).toBe(original.id);
      expect((await appointments.get(tenantId, original.id))!.status).toBe('confirmed');
      const confirmed = await appointments.confirm(tenantId, userId, moved.ok ? moved.appointment.id : '', clock.now());

      expect(confirmed).toMatchObject({ status: 'confirmed', start: newSlot.start, replacesId: original.id });
      expect((await appointments.get(tenantId, original.id))!.status).toBe('cancelled');
      expect((await appointments.upcoming(tenantId, userId, clock.now())).map((appointment) => appointment.id)).toEqual([confirmed!.id]);
      expect((await hold(fixture, tenantId, uniqueId('user'), oldSlot)).ok).toBe(true);
    });

    it('cancels only the user\'s own confirmed appointments', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const slot = slotAt(clock, 12);
      const booked = await book(fixture, tenantId, userId, slot);

      expect(await appointments.cancel(tenantId, uniqueId('user'), booked.id, clock.now())).toBeNull();
      expect((await appointments.get(tenantId, booked.id))!.status).toBe('confirmed');

      const cancelled = await appointments.cancel(tenantId, userId, booked.id, clock.now());
      expect(cancelled).toMatchObject({ id: booked.id, status: 'cancelled' });
      expect(await appointments.cancel(tenantId, userId, booked.id, clock.now())).toBeNull();
      expect(await appointments.upcoming(tenantId, userId, clock.now())).toEqual([]);
      expect((await hold(fixture, tenantId, uniqueId('user'), slot)).ok).toBe(true);

      const held = await hold(fixture, tenantId, userId, slotAt(clock, 14));
      expect(await appointments.cancel(tenantId, userId, held.ok ? held.appointment.id : '', clock.now())).toBeNull();
    });

    it('lists upcoming appointments soonest first, leaving out the finished ones', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const userId = uniqueId('user');
      const later = await book(fixture, tenantId, userId, slotAt(clock, 50));
      const sooner = await book(fixture, tenantId, userId, slotAt(clock, 1));
      await book(fixture, tenantId, uniqueId('user'), slotAt(clock, 2));

      expect((await appointments.upcoming(tenantId, userId, clock.now())).map((appointment) => appointment.id)).toEqual([sooner.id, later.id]);
      clock.advance(2 * HOUR);
      expect((await appointments.upcoming(tenantId, userId, clock.now())).map((appointment) => appointment.id)).toEqual([later.id]);
    });

    it('counts live holds and confirmed appointments as taken, not expired, released or cancelled ones', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const confirmed = slotAt(clock, 1);
      const cancelled = slotAt(clock, 2);
      const released = slotAt(clock, 3);
      const expired = slotAt(clock, 4);
      const live = slotAt(clock, 5);
      const outside = slotAt(clock, 9);
      await book(fixture, tenantId, uniqueId('user'), confirmed);
      const toCancel = await book(fixture, tenantId, uniqueId('user'), cancelled);
      await appointments.cancel(tenantId, toCancel.userId, toCancel.id, clock.now());
      const mover = uniqueId('user');
      await hold(fixture, tenantId, mover, released);
      await hold(fixture, tenantId, uniqueId('user'), expired);
      await book(fixture, tenantId, uniqueId('user'), outside);
      clock.advance(HOLD_MS);
      await hold(fixture, tenantId, mover, live);

      const taken = await appointments.takenStarts(tenantId, confirmed.start, outside.start, clock.now());

      expect(taken).toEqual(new Set([confirmed.start, live.start]));
      expect(await appointments.takenStarts(tenantId, confirmed.start, outside.end, clock.now())).toEqual(new Set([confirmed.start, live.start, outside.start]));
    });

    it('lists a tenant\'s appointments by time window and status', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const early = await book(fixture, tenantId, uniqueId('user'), slotAt(clock, 1));
      const middle = await hold(fixture, tenantId, uniqueId('user'), slotAt(clock, 2));
      const late = await book(fixture, tenantId, uniqueId('user'), slotAt(clock, 3));

      const ids = (list: Array<{ id: string }>) => list.map((appointment) => appointment.id);
      expect(ids(await appointments.list(tenantId, { limit: 10 }))).toEqual([early.id, middle.ok && middle.appointment.id, late.id]);
      expect(ids(await appointments.list(tenantId, { status: 'confirmed', limit: 10 }))).toEqual([early.id, late.id]);
      expect(ids(await appointments.list(tenantId, { from: early.end, limit: 10 }))).toEqual([middle.ok && middle.appointment.id, late.id]);
      expect(ids(await appointments.list(tenantId, { from: early.start, to: late.start, limit: 10 }))).toEqual([early.id, middle.ok && middle.appointment.id]);
      expect(ids(await appointments.list(tenantId, { limit: 1 }))).toEqual([early.id]);
    });

    it('keeps tenants apart: the same slot, ids and users of another tenant are invisible', async () => {
      const fixture = await open();
      const { appointments, clock } = fixture;
      const tenantId = uniqueId('tenant');
      const otherTenant = uniqueId('tenant');
      const userId = uniqueId('user');
      const slot = slotAt(clock, 10);
      const booked = await book(fixture, tenantId, userId, slot);
      const held = await hold(fixture, tenantId, userId, slotAt(clock, 11));
      const holdId = held.ok ? held.appointment.id : '';

      expect((await hold(fixture, otherTenant, uniqueId('user'), slot)).ok).toBe(true);
      expect(await appointments.get(otherTenant, booked.id)).toBeNull();
      expect(await appointments.confirm(otherTenant, userId, holdId, clock.now())).toBeNull();
      expect(await appointments.cancel(otherTenant, userId, booked.id, clock.now())).toBeNull();
      expect(await appointments.currentHold(otherTenant, userId, clock.now())).toBeNull();
      expect(await appointments.upcoming(otherTenant, userId, clock.now())).toEqual([]);

      // The same user booking with the other tenant does not release their hold here.
      expect((await hold(fixture, otherTenant, userId, slotAt(clock, 12))).ok).toBe(true);
      expect((await appointments.currentHold(tenantId, userId, clock.now()))?.id).toBe(holdId);
      expect((await appointments.get(tenantId, booked.id))!.status).toBe('confirmed');
      expect(await appointments.takenStarts(otherTenant, slot.start, slot.end, clock.now())).toEqual(new Set([slot.start]));
      expect((await appointments.list(otherTenant, { limit: 10 })).every((appointment) => appointment.tenantId === otherTenant)).toBe(true);
      expect((await appointments.list(tenantId, { limit: 10 })).map((appointment) => appointment.id).sort()).toEqual([booked.id, holdId].sort());
    });
  });
}
