import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Appointment, AppointmentStatus, AppointmentStore, HoldResult } from '../../ports/appointment-store.js';
import { newId } from '../../shared/ids.js';
import { insertUnlessTaken } from './insert-unless-taken.js';
import type { Tables } from './tables.js';
import type { WriteBatcher } from './write-batcher.js';

type Row = Selectable<Tables['appointments']>;

/** The statuses the unique index `appointments_slot` covers: a row in one of them owns its slot. */
const LIVE: AppointmentStatus[] = ['held', 'confirmed'];

/**
 * Appointments in SQL. Double booking is prevented by the partial unique index on (tenant_id,
 * start_at) over held and confirmed rows, so two workers racing for a slot cannot both insert.
 * Every query is scoped by tenant id.
 */
export class SqlAppointmentStore implements AppointmentStore {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly batcher: WriteBatcher,
  ) {}

  hold(
    tenantId: string,
    userId: string,
    slot: { start: number; end: number },
    options: { turnKey: string; expiresAt: number; replacesId: string | null; now: number },
  ): Promise<HoldResult> {
    return this.batcher.run(async (trx): Promise<HoldResult> => {
      const { now } = options;
      // The index cannot see time: an expired hold still counts for it until it is released.
      await trx
        .updateTable('appointments')
        .set({ status: 'released', updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('start_at', '=', slot.start)
        .where('status', '=', 'held')
        .where('hold_expires_at', '<=', now)
        .execute();

      let held = await this.renewOwnHold(trx, tenantId, userId, slot, options);
      if (held === 'taken') return { ok: false, reason: 'slot_taken' };
      if (!held) {
        const row: Row = {
          id: newId('appt'),
          tenant_id: tenantId,
          user_id: userId,
          start_at: slot.start,
          end_at: slot.end,
          status: 'held',
          hold_expires_at: options.expiresAt,
          held_in_turn: options.turnKey,
          replaces_id: options.replacesId,
          created_at: now,
          updated_at: now,
        };
        const inserted = await insertUnlessTaken(trx, () => trx.insertInto('appointments').values(row).execute());
        if (inserted) {
          held = row;
        } else {
          // Another worker's transaction took the slot between our read and our insert (PostgreSQL);
          // when that was this same user, theirs is the hold to renew.
          held = await this.renewOwnHold(trx, tenantId, userId, slot, options);
          if (!held || held === 'taken') return { ok: false, reason: 'slot_taken' };
        }
      }
      // One hold per user. Released only once the new hold stands, so a taken slot keeps the old one.
      await trx
        .updateTable('appointments')
        .set({ status: 'released', updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('status', '=', 'held')
        .where('id', '!=', held.id)
        .execute();
      return { ok: true, appointment: toAppointment(held) };
    });
  }

  /**
   * Looks at the live row of the slot: none (null), someone else's or a confirmed one ('taken'), or
   * this user's hold, which is renewed with the new expiry, turn key and replaced appointment.
   */
  private async renewOwnHold(
    trx: Transaction<Tables>,
    tenantId: string,
    userId: string,
    slot: { start: number; end: number },
    options: { turnKey: string; expiresAt: number; replacesId: string | null; now: number },
  ): Promise<Row | 'taken' | null> {
    const live = await trx
      .selectFrom('appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('start_at', '=', slot.start)
      .where('status', 'in', LIVE)
      .executeTakeFirst();
    if (!live) return null;
    // A confirmed slot is taken even for its own user: holding it again would not book anything new.
    if (live.user_id !== userId || live.status !== 'held') return 'taken';
    const renewed = {
      end_at: slot.end,
      hold_expires_at: options.expiresAt,
      held_in_turn: options.turnKey,
      replaces_id: options.replacesId,
      updated_at: options.now,
    };
    await trx.updateTable('appointments').set(renewed).where('tenant_id', '=', tenantId).where('id', '=', live.id).execute();
    return { ...live, ...renewed };
  }

  confirm(tenantId: string, userId: string, holdId: string, now: number): Promise<Appointment | null> {
    return this.batcher.run(async (trx) => {
      const confirmed = await trx
        .updateTable('appointments')
        .set({ status: 'confirmed', hold_expires_at: null, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', holdId)
        .where('status', '=', 'held')
        .where('hold_expires_at', '>', now)
        .executeTakeFirst();
      if (Number(confirmed.numUpdatedRows) === 0) return null;
      const row = await findRow(trx, tenantId, holdId);
      if (row?.replaces_id) {
        await trx
          .updateTable('appointments')
          .set({ status: 'cancelled', updated_at: now })
          .where('tenant_id', '=', tenantId)
          .where('user_id', '=', userId)
          .where('id', '=', row.replaces_id)
          .where('status', '=', 'confirmed')
          .execute();
      }
      return row ? toAppointment(row) : null;
    });
  }

  cancel(tenantId: string, userId: string, appointmentId: string, now: number): Promise<Appointment | null> {
    return this.batcher.run(async (trx) => {
      const cancelled = await trx
        .updateTable('appointments')
        .set({ status: 'cancelled', updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', '=', appointmentId)
        .where('status', '=', 'confirmed')
        .executeTakeFirst();
      if (Number(cancelled.numUpdatedRows) === 0) return null;
      const row = await findRow(trx, tenantId, appointmentId);
      return row ? toAppointment(row) : null;
    });
  }

  async currentHold(tenantId: string, userId: string, now: number): Promise<Appointment | null> {
    const row = await this.db
      .selectFrom('appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('status', '=', 'held')
      .where('hold_expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toAppointment(row) : null;
  }

  async upcoming(tenantId: string, userId: string, now: number): Promise<Appointment[]> {
    const rows = await this.db
      .selectFrom('appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('status', '=', 'confirmed')
      .where('end_at', '>', now)
      .orderBy('start_at')
      .execute();
    return rows.map(toAppointment);
  }

  async takenStarts(tenantId: string, from: number, to: number, now: number): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('appointments')
      .select('start_at')
      .where('tenant_id', '=', tenantId)
      .where('start_at', '>=', from)
      .where('start_at', '<', to)
      .where('status', 'in', LIVE)
      .where((eb) => eb.or([eb('status', '=', 'confirmed'), eb('hold_expires_at', '>', now)]))
      .execute();
    return new Set(rows.map((row) => Number(row.start_at)));
  }

  async get(tenantId: string, appointmentId: string): Promise<Appointment | null> {
    const row = await findRow(this.db, tenantId, appointmentId);
    return row ? toAppointment(row) : null;
  }

  async list(tenantId: string, filter: { from?: number; to?: number; status?: AppointmentStatus; limit: number }): Promise<Appointment[]> {
    let query = this.db
      .selectFrom('appointments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('start_at')
      .orderBy('created_at')
      .limit(Math.min(filter.limit, 500));
    if (filter.from !== undefined) query = query.where('start_at', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('start_at', '<', filter.to);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    return (await query.execute()).map(toAppointment);
  }
}

function findRow(db: Kysely<Tables> | Transaction<Tables>, tenantId: string, appointmentId: string): Promise<Row | undefined> {
  return db.selectFrom('appointments').selectAll().where('tenant_id', '=', tenantId).where('id', '=', appointmentId).executeTakeFirst();
}

function toAppointment(row: Row): Appointment {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    start: Number(row.start_at),
    end: Number(row.end_at),
    status: row.status as AppointmentStatus,
    holdExpiresAt: row.hold_expires_at === null ? null : Number(row.hold_expires_at),
    heldInTurn: row.held_in_turn,
    replacesId: row.replaces_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
