import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteDoc } from './route-doc.js';
import type { TenantActions } from '../actions/index.js';
import { FollowUpPlanner, type FollowUpPayload } from '../followups/index.js';
import type { AppointmentStore } from '../ports/appointment-store.js';
import type { Clock } from '../ports/clock.js';
import type { FollowUpLog } from '../ports/follow-up-log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../shared/logger.js';
import type { LeadStore } from '../ports/lead-store.js';
import type { OrderStore } from '../ports/order-store.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { appointmentSchema, followUpEntrySchema, leadSchema, orderSchema, scheduledFollowUpSchema } from './admin-schemas.js';

export interface ActionRoutesOptions {
  tenants: () => TenantRegistry;
  leads: LeadStore;
  appointments: AppointmentStore;
  orders: OrderStore;
  followUps: FollowUpLog;
  queue: JobQueue;
  actions: (tenantId: string) => TenantActions | undefined;
  clock: Clock;
  log: Logger;
  onScheduled: () => void;
}

const tenantParams = z.object({ tenantId: z.string().min(1) });
const limit = z.coerce.number().int().min(1).max(500).default(100);
const appointmentsQuery = z.object({
  status: z.enum(['held', 'confirmed', 'cancelled', 'released']).optional(),
  from: z.coerce.number().int().optional().describe('Start at or after (Unix ms)'),
  to: z.coerce.number().int().optional().describe('Start before (Unix ms)'),
  limit,
});
const ordersQuery = z.object({ status: z.enum(['confirmed', 'pending_review', 'rejected', 'cancelled', 'delivered']).optional(), limit });
const orderParams = z.object({ tenantId: z.string(), orderId: z.string().min(1) });
const followUpsQuery = z.object({ outcome: z.enum(['sent', 'skipped', 'cancelled']).optional(), limit });
const followUpParams = z.object({ tenantId: z.string(), key: z.string().min(1).describe('The follow-up job key, URL-encoded') });
const notFound = { 404: 'TENANT_NOT_FOUND' };

/** What the actions recorded, per tenant: leads, appointments and orders (registered under /admin, behind its token). */
export async function actionRoutes(app: FastifyInstance, options: ActionRoutesOptions): Promise<void> {
  app.addHook('preHandler', async (request, reply) => {
    const { tenantId } = tenantParams.parse(request.params);
    if (!options.tenants().byId(tenantId)) return reply.code(404).send({ error: 'TENANT_NOT_FOUND', message: `no tenant ${tenantId}` });
  });

  const doc = (tag: string, summary: string, rest: Omit<RouteDoc, 'tag' | 'summary' | 'access'>): { config: { openapi: RouteDoc } } => ({
    config: { openapi: { tag, summary, access: 'tenant', ...rest, errors: { ...notFound, ...rest.errors } } },
  });

  app.get(
    '/tenants/:tenantId/leads',
    doc('leads', 'Lead profiles, newest first, with their version and the version the CRM acknowledged', {
      params: tenantParams,
      query: z.object({ limit }),
      response: z.object({ leads: z.array(leadSchema) }),
    }),
    async (request) => {
      const { tenantId } = tenantParams.parse(request.params);
      const query = z.object({ limit }).parse(request.query);
      return { leads: await options.leads.list(tenantId, query.limit) };
    },
  );

  app.get(
    '/tenants/:tenantId/appointments',
    doc('appointments', 'Appointments of the built-in calendar (and the mirror of an external one)', {
      params: tenantParams,
      query: appointmentsQuery,
      response: z.object({ appointments: z.array(appointmentSchema) }),
    }),
    async (request) => {
      const { tenantId } = tenantParams.parse(request.params);
      const query = appointmentsQuery.parse(request.query);
      return {
        appointments: await options.appointments.list(tenantId, {
          limit: query.limit,
          ...(query.status ? { status: query.status } : {}),
          ...(query.from !== undefined ? { from: query.from } : {}),
          ...(query.to !== undefined ? { to: query.to } : {}),
        }),
      };
    },
  );

  app.get(
    '/tenants/:tenantId/orders',
    doc('orders', 'Orders with their lines and totals in minor units (`pending_review` waits for a decision)', {
      params: tenantParams,
      query: ordersQuery,
      response: z.object({ orders: z.array(orderSchema) }),
    }),
    async (request) => {
      const { tenantId } = tenantParams.parse(request.params);
      const query = ordersQuery.parse(request.query);
      return { orders: await options.orders.list(tenantId, { limit: query.limit, ...(query.status ? { status: query.status } : {}) }) };
    },
  );

  // Delivery and cancellation come from the business (its ERP, its staff): they start or stop follow-ups.
  for (const status of ['delivered', 'cancelled'] as const) {
    app.post(
      `/tenants/:tenantId/orders/:orderId/${status === 'delivered' ? 'delivered' : 'cancel'}`,
      doc(
        'orders',
        status === 'delivered' ? 'Marks a confirmed order delivered (starts its order_delivered follow-ups)' : 'Cancels a confirmed or pending order (cancels its follow-ups)',
        { params: orderParams, response: z.object({ order: orderSchema, changed: z.boolean() }), errors: { 404: 'TENANT_NOT_FOUND or ORDER_NOT_FOUND' } },
      ),
      async (request, reply) => {
        const { tenantId, orderId } = orderParams.parse(request.params);
        const now = options.clock.now();
        const result = await options.orders.setStatus(tenantId, orderId, status, now);
        if (!result) return reply.code(404).send({ error: 'ORDER_NOT_FOUND', message: `no order ${orderId} in ${tenantId}` });
        const planner = options.actions(tenantId)?.followUps;
        if (result.changed && planner) {
          const subject = { userId: result.order.userId, subjectId: orderId, anchorAt: now };
          if (status === 'delivered') for (const job of planner.jobs('order_delivered', subject, now)) await options.queue.schedule(job);
          else for (const key of planner.keys(['order_confirmed', 'order_delivered'], orderId)) await options.queue.cancel(tenantId, key);
          options.onScheduled();
        }
        options.log.info({ tenantId, orderId, status, changed: result.changed }, 'order.status_set');
        return { order: result.order, changed: result.changed };
      },
    );
  }

  app.get(
    '/tenants/:tenantId/follow-ups',
    doc('follow-ups', 'Scheduled follow-ups (due time, rule, subject) and the history: sent (text or template), failed, skipped, cancelled', {
      params: tenantParams,
      query: followUpsQuery,
      response: z.object({ scheduled: z.array(scheduledFollowUpSchema), history: z.array(followUpEntrySchema) }),
    }),
    async (request) => {
      const { tenantId } = tenantParams.parse(request.params);
      const query = followUpsQuery.parse(request.query);
      const [scheduled, history] = await Promise.all([
        options.queue.listScheduled({ tenantId, name: 'followup.send', limit: query.limit }),
        options.followUps.list(tenantId, { limit: query.limit, ...(query.outcome ? { outcome: query.outcome } : {}) }),
      ]);
      return {
        scheduled: scheduled.map((job) => ({ key: job.key, dueAt: job.runAt, running: job.running, attempts: job.attempts, ...job.payload })),
        // A sent follow-up whose message WhatsApp refused shows as failed, with Meta's error.
        history: history.map((entry) => ({ ...entry, status: entry.outcome === 'sent' && entry.delivery?.state === 'failed' ? 'failed' : entry.outcome })),
      };
    },
  );

  app.post(
    '/tenants/:tenantId/follow-ups/:key/cancel',
    doc('follow-ups', 'Cancels a scheduled follow-up', {
      params: followUpParams,
      response: z.object({ key: z.string(), cancelled: z.literal(true) }),
      errors: { 404: 'TENANT_NOT_FOUND or FOLLOW_UP_NOT_FOUND' },
    }),
    async (request, reply) => {
      const { tenantId, key } = followUpParams.parse(request.params);
      const job = (await options.queue.listScheduled({ tenantId, name: 'followup.send', limit: 500 })).find((candidate) => candidate.key === key);
      if (!job || !(await options.queue.cancel(tenantId, key))) {
        return reply.code(404).send({ error: 'FOLLOW_UP_NOT_FOUND', message: `no scheduled follow-up ${key} in ${tenantId} (it may be running or done)` });
      }
      const payload = job.payload as unknown as FollowUpPayload;
      await options.followUps.record(
        tenantId,
        { key, occurrence: FollowUpPlanner.occurrence(payload), ruleId: payload.ruleId, trigger: payload.trigger, userId: payload.userId, subjectId: payload.subjectId, outcome: 'cancelled', via: null, reason: 'cancelled_by_admin', outboxKey: null },
        null,
        options.clock.now(),
      );
      options.log.info({ tenantId, key }, 'followup.cancelled');
      return { key, cancelled: true };
    },
  );
}
