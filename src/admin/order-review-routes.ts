import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TenantActions } from '../actions/index.js';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Outbox } from '../ports/outbox.js';
import { SwitchboardError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { AdminAuth } from './admin-auth.js';
import { orderSchema } from './admin-schemas.js';

const orderParams = z.object({ tenantId: z.string().min(1), orderId: z.string().min(1) });

/**
 * Approve or Reject of an order waiting for review, from the console: the decision the manager's WhatsApp
 * button makes (the order moves once, the customer is told, a confirmation starts the ERP write and the
 * `order_confirmed` follow-ups), recorded as decided by `admin` or `token:<id>`.
 */
export async function orderReviewRoutes(
  app: FastifyInstance,
  options: {
    tenants: () => TenantRegistry;
    actions: (tenantId: string) => TenantActions | undefined;
    outbox: Outbox;
    queue: JobQueue;
    events: EventBus;
    auth: AdminAuth;
    clock: Clock;
    log: Logger;
    onScheduled: () => void;
  },
): Promise<void> {
  for (const [action, decision] of [['approve', 'confirmed'], ['reject', 'rejected']] as const) {
    app.post(
      `/tenants/:tenantId/orders/:orderId/${action}`,
      {
        config: {
          openapi: {
            tag: 'orders',
            summary: action === 'approve' ? 'Approves an order waiting for review: confirmed, and the customer is told' : 'Rejects an order waiting for review; the customer is told',
            access: 'tenant',
            params: orderParams,
            response: z.object({ order: orderSchema, changed: z.literal(true) }),
            errors: { 404: 'TENANT_NOT_FOUND or ORDER_NOT_FOUND', 409: 'ORDER_ALREADY_DECIDED: the order is not waiting for review (any more)' },
          },
        },
      },
      async (request) => {
        const { tenantId, orderId } = orderParams.parse(request.params);
        const actions = options.tenants().byId(tenantId) ? options.actions(tenantId) : undefined;
        if (!actions) throw new SwitchboardError({ code: 'TENANT_NOT_FOUND', status: 404, message: `no tenant ${tenantId}; list them with GET /admin/tenants` });
        const principal = options.auth.principalOf(request)!;
        const by = { userId: principal.role === 'admin' ? 'admin' : `token:${principal.tokenId}`, messageId: newId('admin') };
        const now = options.clock.now();
        const result = await actions.decideOrder(orderId, decision, by, now);
        if (!result) throw new SwitchboardError({ code: 'ORDER_NOT_FOUND', status: 404, message: `no order ${orderId} in ${tenantId}` });
        if (!result.ours) {
          throw new SwitchboardError({
            code: 'ORDER_ALREADY_DECIDED',
            status: 409,
            message: `order ${orderId} is ${result.order.status}: only an order waiting for review can be approved or rejected`,
          });
        }
        // The order has moved; if the process died right here, the customer's message would be lost (the
        // WhatsApp button's path writes it with its turn instead). Both writes below are idempotent.
        await options.outbox.add(result.outbox, now);
        for (const job of result.jobs) await options.queue.schedule(job);
        options.onScheduled();
        const { order } = result;
        options.events.publish({ type: 'order.decided', tenantId, userId: order.userId, orderId, status: order.status, at: now });
        options.log.info({ tenantId, orderId, status: order.status, by: by.userId }, 'order.decided');
        return { order, changed: true as const };
      },
    );
  }
}
