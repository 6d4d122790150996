import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentStore } from '../ports/appointment-store.js';
import type { LeadStore } from '../ports/lead-store.js';
import type { OrderStore } from '../ports/order-store.js';
import type { TenantRegistry } from '../tenancy/index.js';

export interface ActionRoutesOptions {
  tenants: () => TenantRegistry;
  leads: LeadStore;
  appointments: AppointmentStore;
  orders: OrderStore;
}

const tenantParams = z.object({ tenantId: z.string().min(1) });
const limit = z.coerce.number().int().min(1).max(500).default(100);

/** What the actions recorded, per tenant: leads, appointments and orders (registered under /admin, behind its token). */
export async function actionRoutes(app: FastifyInstance, options: ActionRoutesOptions): Promise<void> {
  app.addHook('preHandler', async (request, reply) => {
    const { tenantId } = tenantParams.parse(request.params);
    if (!options.tenants().byId(tenantId)) return reply.code(404).send({ error: 'TENANT_NOT_FOUND', message: `no tenant ${tenantId}` });
  });

  app.get('/tenants/:tenantId/leads', async (request) => {
    const { tenantId } = tenantParams.parse(request.params);
    const query = z.object({ limit }).parse(request.query);
    return { leads: await options.leads.list(tenantId, query.limit) };
  });

  app.get('/tenants/:tenantId/appointments', async (request) => {
    const { tenantId } = tenantParams.parse(request.params);
    const query = z
      .object({ status: z.enum(['held', 'confirmed', 'cancelled', 'released']).optional(), from: z.coerce.number().int().optional(), to: z.coerce.number().int().optional(), limit })
      .parse(request.query);
    return {
      appointments: await options.appointments.list(tenantId, {
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
      }),
    };
  });

  app.get('/tenants/:tenantId/orders', async (request) => {
    const { tenantId } = tenantParams.parse(request.params);
    const query = z.object({ status: z.enum(['confirmed', 'pending_review', 'rejected', 'cancelled']).optional(), limit }).parse(request.query);
    return { orders: await options.orders.list(tenantId, { limit: query.limit, ...(query.status ? { status: query.status } : {}) }) };
  });
}
