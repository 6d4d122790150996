import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessTokenStore } from '../ports/access-token-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { ConversationStore } from '../ports/conversation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import { jobKeys } from '../ports/job-keys.js';
import type { OperationsQueries } from '../ports/operations-queries.js';
import type { Outbox } from '../ports/outbox.js';
import { SwitchboardError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { AdminApi } from './admin-api.js';
import { conversationSchema, deadLetterSchema, historyEntrySchema, outboxMessageSchema, tenantSchema } from './admin-schemas.js';
import { actionRoutes, type ActionRoutesOptions } from './action-routes.js';
import { auditRoutes, auditTenant } from './audit-trail.js';
import { conversationRoutes } from './conversation-routes.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { eventStreamRoutes } from './event-stream-routes.js';
import { figuresRoutes } from './figures-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import { orderReviewRoutes } from './order-review-routes.js';
import { assertTenantAccess, scopedTenant } from './scoped-tenant.js';
import type { TenantFiles } from './tenant-files.js';
import { tenantFileRoutes } from './tenant-file-routes.js';
import { tokenRoutes } from './token-routes.js';

export interface AdminOptions extends Pick<ActionRoutesOptions, 'leads' | 'appointments' | 'orders' | 'followUps' | 'actions'> {
  /** The authentication and route list, prepared on the root instance (prepareAdminApi). */
  api: AdminApi;
  tenants: () => TenantRegistry;
  conversations: ConversationStore;
  outbox: Outbox;
  queue: JobQueue;
  tokens: AccessTokenStore;
  audit: AuditLog;
  queries: OperationsQueries;
  events: EventBus;
  /** Validates and reloads TENANTS_DIR. */
  tenantFiles: TenantFiles;
  clock: Clock;
  log: Logger;
  /** Work was scheduled (a retried dead letter, a reply): wake the worker. */
  onScheduled: () => void;
}

const conversationParams = z.object({ tenantId: z.string().min(1), userId: z.string().min(1) });
const timeParam = z.coerce.number().int().min(0).describe('Unix milliseconds');
const listQuery = z.object({
  tenant: z.string().optional().describe('Only this tenant (a tenant token always sees only its own)'),
  mode: z.enum(['bot', 'human']).optional().describe('human: taken over or escalated, waiting for staff'),
  since: timeParam.optional().describe('Last activity at or after (Unix ms)'),
  until: timeParam.optional().describe('Last activity before (Unix ms)'),
  limit: z.coerce.number().int().min(1).max(500).optional().describe('Default 50'),
  cursor: z.string().optional().describe('`nextCursor` of the previous page'),
});
const conversationCursor = z.tuple([z.number(), z.string(), z.string()]);
const deadLetterQuery = z.object({
  tenant: z.string().optional().describe('Only this tenant (a tenant token always sees only its own)'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().optional().describe('A dead letter id: the page continues with older ones'),
});
const deadLetterParams = z.object({ id: z.string().regex(/^\d+$/) });
const modeAnswer = z.object({ tenantId: z.string(), userId: z.string(), mode: z.enum(['bot', 'human']), changed: z.boolean() });

/** The operators' HTTP API under /admin: ADMIN_TOKEN for the agency, tenant tokens for a business's staff. */
export async function adminRoutes(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const { conversations, queue, clock, log, events, queries } = options;
  const { auth } = options.api;
  app.addHook('onRequest', auth.authenticate);
  const tenantOr404 = (tenantId: string) => {
    const tenant = options.tenants().byId(tenantId);
    if (!tenant) throw new SwitchboardError({ code: 'TENANT_NOT_FOUND', status: 404, message: `no tenant ${tenantId}; list them with GET /admin/tenants` });
    return tenant;
  };

  app.get(
    '/tenants',
    {
      config: {
        openapi: {
          tag: 'tenants',
          summary: 'Tenants with their health',
          description: 'A tenant token sees only its own tenant.',
          access: 'tenant',
          response: z.object({ tenants: z.array(tenantSchema) }),
        },
      },
    },
    async (request) => {
      const visible = options.tenants().all().filter((tenant) => auth.mayAccessTenant(request, tenant.id));
      const now = clock.now();
      const [summaries, deadLetters] = await Promise.all([
        queries.summaries(visible.map((tenant) => tenant.id), now),
        Promise.all(visible.map(async (tenant) => (await queue.listDeadLetters({ tenantId: tenant.id, limit: 500 })).filter((letter) => letter.retriedAt === null).length)),
      ]);
      return {
        tenants: visible.map((tenant, index) => {
          const summary = summaries.get(tenant.id) ?? { messagesLastHour: 0, pendingTurns: 0, lastInboundAt: null };
          return {
            id: tenant.id,
            name: tenant.config.name,
            file: tenant.file,
            language: tenant.config.language,
            timezone: tenant.config.timezone,
            phoneNumberId: tenant.config.whatsapp.phone_number_id,
            provider: tenant.model.provider,
            model: tenant.model.model,
            problems: tenant.problems,
            health: { ok: tenant.problems.length === 0 && deadLetters[index] === 0, problems: tenant.problems, ...summary, deadLetters: deadLetters[index]! },
          };
        }),
      };
    },
  );

  app.get(
    '/conversations',
    {
      config: {
        openapi: {
          tag: 'conversations',
          summary: 'Conversations, newest activity first, paged',
          description: 'Pass `nextCursor` back as `cursor` for the next page; it is null on the last one.',
          access: 'tenant',
          query: listQuery,
          response: z.object({ conversations: z.array(conversationSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (request, reply) => {
      const query = listQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send({ error: 'QUERY_INVALID', message: query.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
      const { mode, since, until, cursor } = query.data;
      const limit = query.data.limit ?? 50;
      const tenantId = scopedTenant(auth, request, query.data.tenant);
      const after = cursor === undefined ? undefined : decodeCursor(cursor, conversationCursor);
      // One more than asked: whether it comes back says if there is a next page.
      const rows = await queries.conversations({
        tenantIds: tenantId === undefined ? null : [tenantId],
        limit: limit + 1,
        ...(mode ? { mode } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        ...(after ? { after: { lastActivityAt: after[0], tenantId: after[1], userId: after[2] } } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { conversations: page, nextCursor: rows.length > limit && last ? encodeCursor([last.lastActivityAt, last.tenantId, last.userId]) : null };
    },
  );

  app.get(
    '/tenants/:tenantId/conversations/:userId',
    {
      config: {
        openapi: {
          tag: 'conversations',
          summary: 'One conversation: its state, the last 100 history entries and the last 50 messages sent',
          access: 'tenant',
          params: conversationParams,
          response: z.object({ conversation: conversationSchema, history: z.array(historyEntrySchema), outbound: z.array(outboxMessageSchema) }),
          errors: { 404: 'CONVERSATION_NOT_FOUND' },
        },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = conversationParams.parse(request.params);
      const conversation = await conversations.get(tenantId, userId);
      if (!conversation) return reply.code(404).send({ error: 'CONVERSATION_NOT_FOUND', message: `no conversation of ${tenantId} with that user` });
      const history = await conversations.history(tenantId, userId, 0, 100);
      const outbound = await options.outbox.list({ tenantId, recipientId: userId, limit: 50 });
      return { conversation, history, outbound };
    },
  );

  for (const [action, mode] of [['release', 'bot'], ['takeover', 'human']] as const) {
    app.post(
      `/tenants/:tenantId/conversations/:userId/${action}`,
      {
        config: {
          openapi: {
            tag: 'handoff',
            summary: action === 'release' ? 'Gives the conversation back to the bot' : 'Takes the conversation over: the bot goes silent until released (or idle for escalation.release_after)',
            access: 'tenant',
            params: conversationParams,
            response: modeAnswer,
            errors: { 404: 'TENANT_NOT_FOUND or CONVERSATION_NOT_FOUND' },
          },
        },
      },
      async (request, reply) => {
        const { tenantId, userId } = conversationParams.parse(request.params);
        const tenant = tenantOr404(tenantId);
        const conversation = await conversations.get(tenantId, userId);
        if (!conversation) return reply.code(404).send({ error: 'CONVERSATION_NOT_FOUND', message: `no conversation of ${tenantId} with that user` });
        const now = clock.now();
        const reason = action === 'release' ? 'released_by_admin' : 'taken_over_by_admin';
        const changed = await conversations.setMode(tenantId, userId, mode, reason, now);
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
        if (changed) events.publish({ type: 'conversation.mode_changed', tenantId, userId, mode, reason, at: now });
        log.info({ tenantId, userId: maskPhone(userId), action, changed }, `handoff.${action}`);
        return { tenantId, userId, mode, changed };
      },
    );
  }

  app.get(
    '/dead-letters',
    {
      config: {
        openapi: {
          tag: 'dead letters',
          summary: 'Jobs that kept failing, newest first, with their last error',
          access: 'tenant',
          query: deadLetterQuery,
          response: z.object({ deadLetters: z.array(deadLetterSchema) }),
        },
      },
    },
    async (request) => {
      const query = deadLetterQuery.parse(request.query);
      const tenantId = scopedTenant(auth, request, query.tenant);
      return {
        deadLetters: await queue.listDeadLetters({
          ...(tenantId ? { tenantId } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
          ...(query.before ? { beforeId: query.before } : {}),
        }),
      };
    },
  );

  app.post(
    '/dead-letters/:id/retry',
    {
      config: {
        openapi: {
          tag: 'dead letters',
          summary: "Schedules a dead letter's job again, due now",
          access: 'tenant',
          params: deadLetterParams,
          response: z.object({ id: z.string(), retried: z.literal(true) }),
          errors: { 404: 'DEAD_LETTER_NOT_FOUND' },
        },
      },
    },
    async (request, reply) => {
      const { id } = deadLetterParams.parse(request.params);
      // Found by id first: its tenant decides whether this token may retry it.
      const [letter] = Number.isSafeInteger(Number(id) + 1) ? await queue.listDeadLetters({ beforeId: String(Number(id) + 1), limit: 1 }) : [];
      if (letter && letter.id === id) {
        assertTenantAccess(auth, request, letter.tenantId);
        auditTenant(request, letter.tenantId);
      }
      if (!letter || letter.id !== id || !(await queue.retryDeadLetter(id, letter.tenantId))) {
        return reply.code(404).send({ error: 'DEAD_LETTER_NOT_FOUND', message: `no dead letter ${id} waiting for a retry` });
      }
      options.onScheduled();
      log.info({ deadLetterId: id, tenantId: letter.tenantId }, 'dead_letter.retried');
      return { id, retried: true };
    },
  );

  await app.register(tokenRoutes, { tokens: options.tokens, tenants: options.tenants, auth, clock, log });
  await app.register(auditRoutes, { audit: options.audit, auth });
  await app.register(openApiRoutes, { routes: options.api.routes });
  await app.register(tenantFileRoutes, { tenantFiles: options.tenantFiles });
  await app.register(conversationRoutes, { tenants: options.tenants, conversations, queries, clock, log, onScheduled: options.onScheduled });
  await app.register(orderReviewRoutes, { tenants: options.tenants, actions: options.actions, outbox: options.outbox, queue, events, auth, clock, log, onScheduled: options.onScheduled });
  await app.register(figuresRoutes, { tenants: options.tenants, queries, actions: options.actions, clock });
  await app.register(eventStreamRoutes, { events, auth, tenants: options.tenants });
  // Its own plugin (its tenant check is a hook), inside this one: the authentication applies.
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
