export type AppointmentStatus = 'held' | 'confirmed' | 'cancelled' | 'released';

export interface Appointment {
  id: string;
  tenantId: string;
  userId: string;
  /** Unix ms. */
  start: number;
  end: number;
  status: AppointmentStatus;
  /** A hold ends by itself at this time unless confirmed. */
  holdExpiresAt: number | null;
  /** The turn key (first message of the turn) that created the hold: confirmation must come from a later turn. */
  heldInTurn: string;
  /** For a hold that moves an appointment (reschedule): the one it replaces on confirmation. */
  replacesId: string | null;
  createdAt: number;
  updatedAt: number;
}

export type HoldResult = { ok: true; appointment: Appointment } | { ok: false; reason: 'slot_taken' };

/**
 * Bookings of the built-in calendar (and the local mirror of an external one). Guarantee: at most
 * one held or confirmed appointment per tenant and start time, also under concurrent requests from
 * many workers (a unique index, not a read-then-write). Expired holds free their slot.
 */
export interface AppointmentStore {
  /**
   * Holds a slot for the user. The user's other unconfirmed holds are released first (one hold per
   * user). Holding the slot the user already holds renews it. `slot_taken` when anyone else has it.
   */
  hold(
    tenantId: string,
    userId: string,
    slot: { start: number; end: number },
    options: { turnKey: string; expiresAt: number; replacesId: string | null; now: number },
  ): Promise<HoldResult>;
  /**
   * Confirms the user's hold: it becomes `confirmed`, and the appointment it replaces (if any) is
   * cancelled in the same write. Null when the user has no live hold.
   */
  confirm(tenantId: string, userId: string, holdId: string, now: number): Promise<Appointment | null>;
  /** Cancels one of the user's confirmed appointments; null when it is not theirs or not confirmed. */
  cancel(tenantId: string, userId: string, appointmentId: string, now: number): Promise<Appointment | null>;
  /** The user's live hold, if any (expired holds are not returned). */
  currentHold(tenantId: string, userId: string, now: number): Promise<Appointment | null>;
  /** The user's confirmed appointments that end after `now`, soonest first. */
  upcoming(tenantId: string, userId: string, now: number): Promise<Appointment[]>;
  /** Start times that are held (unexpired) or confirmed between `from` and `to`, for slot listings. */
  takenStarts(tenantId: string, from: number, to: number, now: number): Promise<Set<number>>;
  get(tenantId: string, appointmentId: string): Promise<Appointment | null>;
  list(tenantId: string, filter: { from?: number; to?: number; status?: AppointmentStatus; limit: number }): Promise<Appointment[]>;
}
