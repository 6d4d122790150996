import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EventBus, SwitchboardEvent } from '../ports/event-bus.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { EventStreams } from '../shared/event-streams.js';
import type { AdminAuth } from './admin-auth.js';
import { scopedTenant } from './scoped-tenant.js';

// `access_token` is read by the authentication (the route's `queryToken`), not here.
const eventsQuery = z.object({
  tenant: z.string().min(1).optional().describe('Only this tenant (a tenant token always gets only its own)'),
});

/** Sandbox traffic has its own stream (the simulator's); the console's is the pipeline's. */
const SKIPPED: ReadonlySet<SwitchboardEvent['type']> = new Set(['sandbox.message']);

/**
 * `GET /events`: live events as server-sent events (`event: <type>`, `data: <JSON>`), a `ready` event
 * first and a comment every 15 s so that proxies keep the connection open. Best effort: a screen that
 * reconnects reloads what it shows from the lists (the database is the record).
 */
export async function eventStreamRoutes(
  app: FastifyInstance,
  options: { events: EventBus; auth: AdminAuth; tenants: () => TenantRegistry; heartbeatMs?: number },
): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new EventStreams(heartbeatMs);
  app.addHook('preClose', async () => streams.closeAll());

  app.get(
    '/events',
    {
      config: {
        openapi: {
          tag: 'events',
          summary: 'Live events (server-sent events)',
          description:
            'Event types: message.received, message.sent, conversation.escalated, conversation.mode_changed, order.pending_review, ' +
            'order.decided; each `data` is JSON with `type`, `tenantId`, `userId`, `at` and the details. A browser EventSource cannot ' +
            'send headers: pass the token as `?access_token=` (this route only). A tenant token receives only its tenant’s events.',
          access: 'tenant',
          query: eventsQuery,
          queryToken: true,
          response: 'text/event-stream',
        },
      },
    },
    async (request, reply) => {
      const query = eventsQuery.parse(request.query);
      const tenantId = scopedTenant(options.auth, request, query.tenant);
      reply.hijack();
      let unsubscribe = () => {};
      const write = streams.start(reply.raw, () => unsubscribe());
      write('ready', { tenantId: tenantId ?? null });
      unsubscribe = options.events.subscribe(tenantId === undefined ? null : [tenantId], (event) => {
        if (!SKIPPED.has(event.type)) write(event.type, event);
      });
    },
  );
}
