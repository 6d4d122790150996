import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../ports/clock.js';
import type { ConversationStore } from '../ports/conversation-store.js';
import type { JobQueue } from '../ports/job-queue.js';
import { jobKeys } from '../ports/job-keys.js';
import type { Outbox } from '../ports/outbox.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { actionRoutes, type ActionRoutesOptions } from './action-routes.js';
import { requireAdminToken } from './require-admin-token.js';

export interface AdminOptions extends Pick<ActionRoutesOptions, 'leads' | 'appointments' | 'orders' | 'followUps' | 'actions'> {
  adminToken: string | undefined;
  tenants: () => TenantRegistry;
  conversations: ConversationStore;
  outbox: Outbox;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  /** Work was scheduled (a retried dead letter): wake the worker. */
  onScheduled: () => void;
}

const conversationParams = z.object({ tenantId: z.string().min(1), userId: z.string().min(1) });
const listQuery = z.object({
  tenant: z.string().optional(),
  mode: z.enum(['bot', 'human']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** The operators' HTTP API under /admin, behind ADMIN_TOKEN. */
export async function adminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { conversations, queue, clock, log } = options;
  app.addHook('preHandler', requireAdminToken(options.adminToken));
  const tenantOr404 = (tenantId: string) => options.tenants().byId(tenantId);

  app.get('/tenants', async () => ({
    tenants: options.tenants().all().map((tenant) => ({
      id: tenant.id,
      name: tenant.config.name,
      file: tenant.file,
      language: tenant.config.language,
      phoneNumberId: tenant.config.whatsapp.phone_number_id,
      provider: tenant.model.provider,
      model: tenant.model.model,
      problems: tenant.problems,
    })),
  }));

  app.get('/conversations', async (request, reply) => {
    const query = listQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'QUERY_INVALID', message: query.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
    return {
      conversations: await conversations.list({
        ...(query.data.tenant ? { tenantId: query.data.tenant } : {}),
        ...(query.data.mode ? { mode: query.data.mode } : {}),
        ...(query.data.limit ? { limit: query.data.limit } : {}),
      }),
    };
  });

  app.get('/tenants/:tenantId/conversations/:userId', async (request, reply) => {
    const { tenantId, userId } = conversationParams.parse(request.params);
    const conversation = await conversations.get(tenantId, userId);
    if (!conversation) return reply.code(404).send({ error: 'CONVERSATION_NOT_FOUND', message: `no conversation of ${tenantId} with that user` });
    const history = await conversations.history(tenantId, userId, 0, 100);
    const outbound = await options.outbox.list({ tenantId, recipientId: userId, limit: 50 });
    return { conversation, history, outbound };
  });

  for (const [action, mode] of [['release', 'bot'], ['takeover', 'human']] as const) {
    app.post(`/tenants/:tenantId/conversations/:userId/${action}`, async (request, reply) => {
      const { tenantId, userId } = conversationParams.parse(request.params);
      const tenant = tenantOr404(tenantId);
      if (!tenant) return reply.code(404).send({ error: 'TENANT_NOT_FOUND', message: `no tenant ${tenantId}` });
      const conversation = await conversations.get(tenantId, userId);
      if (!conversation) return reply.code(404).send({ error: 'CONVERSATION_NOT_FOUND', message: `no conversation of ${tenantId} with that user` });
      const now = clock.now();
      const changed = await conversations.setMode(tenantId, userId, mode, action === 'release' ? 'released_by_admin' : 'taken_over_by_admin', now);
      if (mode === 'human' && changed) {
        await queue.schedule({
          name: 'handoff.release',
          tenantId,
          key: jobKeys.release(tenantId, userId),
          payload: { tenantId, userId },
          runAt: now + tenant.releaseAfterMs,
          onExisting: 'replace',
        });
        options.onScheduled();
      }
      log.info({ tenantId, userId: maskPhone(userId), action, changed }, `handoff.${action}`);
      return { tenantId, userId, mode, changed };
    });
  }

  app.get('/dead-letters', async (request) => {
    const query = z.object({ tenant: z.string().optional(), limit: z.coerce.number().int().min(1).max(500).optional(), before: z.string().optional() }).parse(request.query);
    return {
      deadLetters: await queue.listDeadLetters({
        ...(query.tenant ? { tenantId: query.tenant } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
        ...(query.before ? { beforeId: query.before } : {}),
      }),
    };
  });

  app.post('/dead-letters/:id/retry', async (request, reply) => {
    const { id } = z.object({ id: z.string().regex(/^\d+$/) }).parse(request.params);
    const retried = await queue.retryDeadLetter(id);
    if (!retried) return reply.code(404).send({ error: 'DEAD_LETTER_NOT_FOUND', message: `no dead letter ${id} waiting for a retry` });
    options.onScheduled();
    log.info({ deadLetterId: id }, 'dead_letter.retried');
    return { id, retried: true };
  });

  // Its own plugin (its tenant check is a hook), inside this one: the admin token applies.
  await app.register(actionRoutes, {
    tenants: options.tenants,
    leads: options.leads,
    appointments: options.appointments,
    orders: options.orders,
    followUps: options.followUps,
    queue,
    actions: options.actions,
    clock,
    log,
    onScheduled: options.onScheduled,
  });
}
