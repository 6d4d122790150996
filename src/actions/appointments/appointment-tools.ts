import { z } from 'zod';
import { ToolRefusal, type Tool, type ToolContext } from '../../engine/index.js';
import type { Appointment, AppointmentStore } from '../../ports/appointment-store.js';
import type { FollowUpPlanner } from '../../followups/index.js';
import { integrationJob } from '../integrations/integration-job.js';
import type { CalendarBackend } from './calendar-backend.js';
import type { SlotProblem } from './generate-slots.js';
import { formatDateTime, isLocalDate, parseLocalDateTime, toLocalIso } from './local-time.js';

/** What the appointment tools share: the tenant's calendar, its zone and language. */
export interface AppointmentToolsOptions {
  appointments: AppointmentStore;
  calendar: CalendarBackend;
  timezone: string;
  language: string;
  maxSlots: number;
  /** The tenant's follow-ups: booking schedules them, moving or cancelling an appointment moves or cancels them. */
  followUps?: FollowUpPlanner;
}

const APPOINTMENT_TRIGGERS = ['appointment_booked', 'appointment_completed'] as const;

const localDateTime = z.string().describe("Local date and time in the business's time zone, 'YYYY-MM-DDTHH:mm', exactly as find_slots returned it");
const localDay = z.string().refine(isLocalDate, 'expected a date such as 2026-12-01').optional();

const PROBLEMS: Record<SlotProblem | 'not_offered', string> = {
  in_past: 'that time is in the past',
  too_soon: 'that time is too soon to book',
  too_far: 'that date is too far ahead to book',
  closed_day: 'the clinic is closed that day',
  outside_hours: 'that time is outside opening hours',
  in_break: 'that time falls in a break',
  not_aligned: 'appointments do not start at that time',
  not_offered: 'that time is not available',
};

/**
 * `find_slots`, `book_appointment`, `reschedule_appointment` and `cancel_appointment`. A booking is
 * two steps enforced here, not in the prompt: the first call holds the slot and asks for the user's
 * confirmation; only a call in a later turn (after the user answered) with `confirmed: true` makes
 * it final. Slots are unique per tenant in the store, so two users can never get the same one.
 */
export function appointmentTools(options: AppointmentToolsOptions): Tool[] {
  const { appointments, calendar, timezone, language } = options;
  const label = (ms: number) => formatDateTime(ms, timezone, language);
  const describe = (appointment: Appointment) => ({ appointment_id: appointment.id, start: toLocalIso(appointment.start, timezone), when: label(appointment.start), status: appointment.status });

  async function nearbySlots(context: ToolContext, start: number) {
    const slots = await calendar.freeSlots(context.tenantId, { now: context.now, fromDate: toLocalIso(Math.max(start, context.now), timezone).slice(0, 10), limit: 3 });
    return slots.map((slot) => ({ start: toLocalIso(slot.start, timezone), when: label(slot.start) }));
  }

  /** Holds or confirms `startText` for the user; `replaces` makes it a reschedule. */
  async function holdOrConfirm(context: ToolContext, startText: string, confirmed: boolean, replaces: Appointment | null) {
    const start = parseLocalDateTime(startText, timezone);
    if (start === null) throw new ToolRefusal(`"${startText}" is not a date and time; use 'YYYY-MM-DDTHH:mm' from find_slots`);
    const hold = await appointments.currentHold(context.tenantId, context.userId, context.now);
    const sameHold = hold !== null && hold.start === start && hold.replacesId === (replaces?.id ?? null);
    if (confirmed && sameHold && hold.heldInTurn !== context.turnKey) {
      const booked = await appointments.confirm(context.tenantId, context.userId, hold.id, context.now);
      if (booked) {
        writeToCalendar(context, booked, replaces);
        scheduleFollowUps(context, booked, replaces);
        return { ...describe(booked), status: 'confirmed', ...(replaces ? { replaced: describe(replaces) } : {}), next: 'Tell the user it is booked.' };
      }
    }
    if (!sameHold) {
      const check = await calendar.check(context.tenantId, start, context.now);
      if (!check.ok) throw new ToolRefusal(`Cannot book ${label(start)}: ${PROBLEMS[check.problem]}.`, { alternatives: await nearbySlots(context, start) });
      const held = await appointments.hold(context.tenantId, context.userId, check.slot, {
        turnKey: context.turnKey,
        expiresAt: context.now + calendar.holdMs,
        replacesId: replaces?.id ?? null,
        now: context.now,
      });
      if (!held.ok) {
        const alternatives = await nearbySlots(context, start);
        throw new ToolRefusal(`${label(start)} was just taken by someone else. Offer these instead: ${alternatives.map((slot) => `${slot.when} (${slot.start})`).join('; ') || 'none soon; ask for another day'}.`);
      }
    }
    // The slot is held; the user has not confirmed it in a message after the hold, so it is not final.
    return {
      status: 'awaiting_confirmation',
      start: toLocalIso(start, timezone),
      when: label(start),
      ...(replaces ? { replaces: describe(replaces) } : {}),
      held_minutes: Math.round(calendar.holdMs / 60_000),
      next: `Ask the user to confirm ${label(start)}. Call this tool again with confirmed: true only after the user says yes in a new message.`,
    };
  }

  function scheduleFollowUps(context: ToolContext, booked: Appointment, replaced: Appointment | null): void {
    const planner = options.followUps;
    if (!planner) return;
    if (replaced) for (const key of planner.keys(APPOINTMENT_TRIGGERS, replaced.id)) context.effects.cancel(key);
    const subject = { userId: context.userId, subjectId: booked.id };
    for (const job of planner.jobs('appointment_booked', { ...subject, anchorAt: context.now }, context.now)) context.effects.schedule(job);
    for (const job of planner.jobs('appointment_completed', { ...subject, anchorAt: booked.end }, context.now)) context.effects.schedule(job);
  }

  function writeToCalendar(context: ToolContext, booked: Appointment, replaced: Appointment | null): void {
    if (calendar.kind !== 'http') return;
    context.effects.schedule(
      integrationJob(
        {
          tenantId: context.tenantId,
          integration: 'calendar',
          request: {
            method: 'POST',
            path: '/bookings',
            idempotencyKey: `booking:${context.tenantId}:${booked.id}`,
            body: { id: booked.id, user_id: context.userId, start: new Date(booked.start).toISOString(), end: new Date(booked.end).toISOString(), replaces: replaced?.id ?? null },
          },
        },
        `booking:${booked.id}`,
        context.now,
      ),
    );
    if (replaced) cancelInCalendar(context, replaced);
  }

  function cancelInCalendar(context: ToolContext, cancelled: Appointment): void {
    if (calendar.kind !== 'http') return;
    context.effects.schedule(
      integrationJob(
        {
          tenantId: context.tenantId,
          integration: 'calendar',
          request: { method: 'DELETE', path: `/bookings/${encodeURIComponent(cancelled.id)}`, idempotencyKey: `cancel:${context.tenantId}:${cancelled.id}` },
        },
        `cancel:${cancelled.id}`,
        context.now,
      ),
    );
  }

  async function pickAppointment(context: ToolContext, appointmentId: string | undefined): Promise<Appointment> {
    const upcoming = await appointments.upcoming(context.tenantId, context.userId, context.now);
    if (appointmentId) {
      const found = upcoming.find((appointment) => appointment.id === appointmentId);
      if (!found) throw new ToolRefusal(`The user has no upcoming appointment ${appointmentId}. Their appointments: ${JSON.stringify(upcoming.map(describe))}`);
      return found;
    }
    if (upcoming.length === 1) return upcoming[0]!;
    if (upcoming.length === 0) throw new ToolRefusal('The user has no upcoming appointment.');
    throw new ToolRefusal(`The user has several appointments; ask which one and pass its appointment_id: ${JSON.stringify(upcoming.map(describe))}`);
  }

  const findSlots: Tool<{ from_date?: string | undefined; to_date?: string | undefined }> = {
    name: 'find_slots',
    description: `Lists free appointment slots (local time, ${timezone}). Optionally from_date / to_date as YYYY-MM-DD.`,
    input: z.object({ from_date: localDay, to_date: localDay }),
    async run(input, context) {
      const slots = await calendar.freeSlots(context.tenantId, {
        now: context.now,
        ...(input.from_date ? { fromDate: input.from_date } : {}),
        ...(input.to_date ? { toDate: input.to_date } : {}),
        limit: options.maxSlots,
      });
      return { timezone, slots: slots.map((slot) => ({ start: toLocalIso(slot.start, timezone), when: label(slot.start) })) };
    },
  };

  const bookAppointment: Tool<{ start: string; confirmed: boolean }> = {
    name: 'book_appointment',
    description:
      'Books a slot in two steps. First call (confirmed: false) holds the slot and returns what to ask the user. After the user confirms in their next message, call again with the same start and confirmed: true.',
    input: z.object({ start: localDateTime, confirmed: z.boolean().default(false) }),
    run: (input, context) => holdOrConfirm(context, input.start, input.confirmed, null),
  };

  const rescheduleAppointment: Tool<{ appointment_id?: string | undefined; new_start: string; confirmed: boolean }> = {
    name: 'reschedule_appointment',
    description: "Moves the user's appointment to a new slot, in two steps like book_appointment (hold, then confirmed: true after the user agrees).",
    input: z.object({ appointment_id: z.string().optional(), new_start: localDateTime, confirmed: z.boolean().default(false) }),
    async run(input, context) {
      const current = await pickAppointment(context, input.appointment_id);
      return holdOrConfirm(context, input.new_start, input.confirmed, current);
    },
  };

  const cancelAppointment: Tool<{ appointment_id?: string | undefined }> = {
    name: 'cancel_appointment',
    description: "Cancels one of the user's upcoming appointments (ask which one when they have several).",
    input: z.object({ appointment_id: z.string().optional() }),
    async run(input, context) {
      const current = await pickAppointment(context, input.appointment_id);
      const cancelled = await appointments.cancel(context.tenantId, context.userId, current.id, context.now);
      if (!cancelled) throw new ToolRefusal('That appointment could not be cancelled (it is no longer booked).');
      cancelInCalendar(context, cancelled);
      for (const key of options.followUps?.keys(APPOINTMENT_TRIGGERS, cancelled.id) ?? []) context.effects.cancel(key);
      return { ...describe(cancelled), status: 'cancelled' };
    },
  };

  return [findSlots, bookAppointment, rescheduleAppointment, cancelAppointment];
}

/** One line for the system prompt: the user's bookings and hold, so the model knows ids and pending confirmations. */
export async function describeAppointments(appointments: AppointmentStore, tenantId: string, userId: string, now: number, timezone: string, language: string): Promise<string | null> {
  const [upcoming, hold] = await Promise.all([appointments.upcoming(tenantId, userId, now), appointments.currentHold(tenantId, userId, now)]);
  const parts: string[] = [];
  if (upcoming.length > 0) {
    parts.push(`Booked appointments of this user: ${upcoming.map((appointment) => `${appointment.id} on ${formatDateTime(appointment.start, timezone, language)} (${toLocalIso(appointment.start, timezone)})`).join('; ')}.`);
  }
  if (hold) {
    parts.push(`Held for this user, waiting for their confirmation: ${formatDateTime(hold.start, timezone, language)} (${toLocalIso(hold.start, timezone)})${hold.replacesId ? `, to replace ${hold.replacesId}` : ''}.`);
  }
  return parts.length > 0 ? parts.join(' ') : null;
}
