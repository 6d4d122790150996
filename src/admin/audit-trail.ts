import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AdminAuth } from './admin-auth.js';
import { auditEntrySchema } from './admin-schemas.js';
import { scopedTenant } from './scoped-tenant.js';
import { summarizeBody } from './summarize-body.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const touchedTenant = new WeakMap<FastifyRequest, string>();

/** Names the tenant a write touched when the path does not (a dead letter's tenant, a new token's). */
export function auditTenant(request: FastifyRequest, tenantId: string): void {
  touchedTenant.set(request, tenantId);
}

const auditQuery = z.object({
  tenant: z.string().min(1).optional().describe('Only this tenant (a tenant token always sees only its own)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().regex(/^\d+$/).optional().describe('An entry id: the page continues with older entries'),
});

/**
 * Records every write under /admin (POST, PUT, PATCH, DELETE) once its answer is sent: who, the route
 * pattern and parameters, a body summary without secrets, the status. A root hook, so that admin routes
 * registered outside the admin plugin (the simulator's) are recorded too. Unauthenticated calls are not
 * recorded (anyone could fill the table); they are logged as `admin.unauthorized`.
 */
export function recordAdminWrites(http: FastifyInstance, options: { audit: AuditLog; auth: AdminAuth; clock: Clock; log: Logger }): void {
  const { audit, auth, clock, log } = options;
  // A callback hook that returns at once: it runs after every answer of the server, webhooks included.
  http.addHook('onResponse', (request, reply, done) => {
    done();
    if (!WRITES.has(request.method) || !request.routeOptions.url?.startsWith('/admin/')) return;
    const actor = auth.principalOf(request);
    if (!actor) return;
    const params = Object.fromEntries(Object.entries((request.params ?? {}) as Record<string, unknown>).map(([key, value]) => [key, String(value)]));
    const body = summarizeBody(request.body);
    const named = params['tenantId'] ?? (typeof body?.['tenantId'] === 'string' ? body['tenantId'] : undefined);
    const tenantId = touchedTenant.get(request) ?? named ?? (actor.role === 'tenant' ? actor.tenantId : null);
    const route = request.routeOptions.url;
    audit.record({ actor, tenantId, method: request.method, route, params, body, status: reply.statusCode }, clock.now()).catch((error: unknown) => {
      // The write itself happened; losing its audit entry is for someone to look at, not for the caller.
      log.error({ route, ...describeError(error) }, 'audit.record_failed');
    });
  });
}

/** `GET /audit`: the log, newest first; a tenant token sees its own tenant's entries. */
export async function auditRoutes(app: FastifyInstance, options: { audit: AuditLog; auth: AdminAuth }): Promise<void> {
  const { audit, auth } = options;
  app.get(
    '/audit',
    {
      config: {
        openapi: {
          tag: 'audit',
          summary: 'The audit log: every write through the admin API, newest first',
          description: 'A tenant token sees the entries of its own tenant (including the admin’s writes to it).',
          access: 'tenant',
          query: auditQuery,
          response: z.object({ entries: z.array(auditEntrySchema) }),
        },
      },
    },
    async (request) => {
      const query = auditQuery.parse(request.query);
      const tenantId = scopedTenant(auth, request, query.tenant);
      return { entries: await audit.list({ limit: query.limit, ...(tenantId ? { tenantId } : {}), ...(query.before ? { beforeId: query.before } : {}) }) };
    },
  );
}
