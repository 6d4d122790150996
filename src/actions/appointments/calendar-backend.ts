import { z } from 'zod';
import type { CalendarSettings } from '../../config/index.js';
import type { AppointmentStore } from '../../ports/appointment-store.js';
import { parseDuration } from '../../shared/durations.js';
import { SwitchboardError } from '../../shared/errors.js';
import type { IntegrationClient, IntegrationTarget } from '../integrations/integration-client.js';
import { checkSlot, generateSlots, type Slot, type SlotProblem } from './generate-slots.js';
import { localDate } from './local-time.js';
import { openingHoursFromConfig, type OpeningHours } from './opening-hours.js';

/** Where free slots come from: the built-in opening hours, or the business's own calendar over HTTP. */
export interface CalendarBackend {
  kind: 'builtin' | 'http';
  /** How long a hold waits for the user's confirmation. */
  holdMs: number;
  freeSlots(tenantId: string, options: { now: number; fromDate?: string; toDate?: string; limit: number }): Promise<Slot[]>;
  /** Whether a slot starting at `start` can be booked (ignoring who holds it: the store decides that). */
  check(tenantId: string, start: number, now: number): Promise<{ ok: true; slot: Slot } | { ok: false; problem: SlotProblem | 'not_offered' }>;
}

/** The built-in calendar: opening hours from the tenant file, bookings from the database. */
export function builtinCalendar(settings: CalendarSettings, timezone: string, appointments: AppointmentStore): CalendarBackend {
  const hours: OpeningHours = openingHoursFromConfig({ ...settings, min_notice_ms: parseDuration(settings.min_notice) }, timezone);
  const horizonMs = (settings.horizon_days + 2) * 86_400_000;
  return {
    kind: 'builtin',
    holdMs: parseDuration(settings.hold_for),
    async freeSlots(tenantId, options) {
      const taken = await appointments.takenStarts(tenantId, options.now, options.now + horizonMs, options.now);
      return generateSlots(hours, { ...options, taken });
    },
    async check(_tenantId, start, now) {
      return checkSlot(hours, start, now);
    },
  };
}

const slotsAnswer = z.object({
  slots: z.array(z.object({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })),
});

/**
 * An external calendar: `GET {url}/slots?from=YYYY-MM-DD&to=YYYY-MM-DD` answers the free slots (read
 * during the turn); bookings are written later by `integration.call` jobs. Slots Switchboard holds
 * or booked itself and the calendar has not shown yet are filtered out locally.
 */
export function httpCalendar(target: IntegrationTarget, client: IntegrationClient, timezone: string, holdFor: string, appointments: AppointmentStore): CalendarBackend {
  async function fetchSlots(tenantId: string, now: number, fromDate: string, toDate: string): Promise<Slot[]> {
    const answer = await client.call(target, { method: 'GET', path: '/slots', query: { from: fromDate, to: toDate } });
    const parsed = slotsAnswer.safeParse(answer.json);
    if (!parsed.success) {
      throw new SwitchboardError({
        code: 'INTEGRATION_RESPONSE_INVALID',
        message: `${tenantId}: calendar GET /slots answered ${JSON.stringify(answer.json)?.slice(0, 120)}; expected { "slots": [{ "start": ISO, "end": ISO }] }`,
      });
    }
    const taken = await appointments.takenStarts(tenantId, now, now + 400 * 86_400_000, now);
    return parsed.data.slots
      .map((slot) => ({ start: Date.parse(slot.start), end: Date.parse(slot.end) }))
      .filter((slot) => slot.start > now && !taken.has(slot.start))
      .sort((a, b) => a.start - b.start);
  }
  return {
    kind: 'http',
    holdMs: parseDuration(holdFor),
    async freeSlots(tenantId, options) {
      const fromDate = options.fromDate ?? localDate(options.now, timezone);
      const toDate = options.toDate ?? localDate(options.now + 14 * 86_400_000, timezone);
      return (await fetchSlots(tenantId, options.now, fromDate, toDate)).slice(0, options.limit);
    },
    async check(tenantId, start, now) {
      if (start <= now) return { ok: false, problem: 'in_past' };
      const day = localDate(start, timezone);
      const slot = (await fetchSlots(tenantId, now, day, day)).find((candidate) => candidate.start === start);
      return slot ? { ok: true, slot } : { ok: false, problem: 'not_offered' };
    },
  };
}
