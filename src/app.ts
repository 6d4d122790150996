import Fastify, { type FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { ZodError } from 'zod';
import { buildTenantActions, formatMoney, IntegrationClient, runIntegrationCall, type IntegrationCallPayload, type TenantActions } from './actions/index.js';
import { AiSdkChatModel } from './adapters/ai-sdk/ai-sdk-chat-model.js';
import { openDatabase, type SqlDatabase } from './adapters/sql/open-database.js';
import { SqlAppointmentStore } from './adapters/sql/sql-appointment-store.js';
import { SqlConversationStore } from './adapters/sql/sql-conversation-store.js';
import { SqlFollowUpLog } from './adapters/sql/sql-follow-up-log.js';
import { SqlLeadStore } from './adapters/sql/sql-lead-store.js';
import { SqlOrderStore } from './adapters/sql/sql-order-store.js';
import { SqlInbox } from './adapters/sql/sql-inbox.js';
import { SqlJobQueue } from './adapters/sql/sql-job-queue.js';
import { WriteBatcher } from './adapters/sql/write-batcher.js';
import { deliveryJob, SqlOutbox } from './adapters/sql/sql-outbox.js';
import { adminRoutes } from './admin/index.js';
import type { Env } from './config/env.js';
import { loadTenantsDir } from './config/load-tenants.js';
import { releaseIdleHandoff, runTurn } from './conversation/index.js';
import { sendFollowUp, type FollowUpDependencies, type FollowUpPayload } from './followups/index.js';
import { webhookRoutes } from './ingress/index.js';
import { Worker } from './jobs/index.js';
import { createMetrics, sweep, sweepJob } from './ops/index.js';
import { deliverPending, GraphClient } from './outbound/index.js';
import type { ChatModel } from './ports/chat-model.js';
import type { Clock } from './ports/clock.js';
import { jobKeys } from './ports/job-keys.js';
import { describeError, SwitchboardError } from './shared/errors.js';
import { newId } from './shared/ids.js';
import { createLogger, type Logger } from './shared/logger.js';
import { systemClock } from './shared/system-clock.js';
import { buildTenant, TenantRegistry } from './tenancy/index.js';

export type Role = 'api' | 'worker' | 'all';

export interface AppOptions {
  env: Env;
  role?: Role;
  clock?: Clock;
  logger?: Logger;
  /** Replaces the AI SDK (tests, benchmarks). */
  chatModel?: ChatModel;
  /** Used by the Graph client and the model providers (tests inject loopback-only fetches). */
  fetch?: typeof fetch;
}

export interface App {
  http: FastifyInstance;
  tenants: TenantRegistry;
  database: SqlDatabase;
  worker: Worker | null;
  /** Listens (api role) and starts the worker (worker role); resolves with the base URL when listening. */
  start(): Promise<{ url: string | null }>;
  /** Stops taking work, lets running turns finish (or hands them back), closes the database. */
  stop(): Promise<void>;
}

/**
 * Wires the pipeline: the only place that chooses adapters. Never listens by itself: `start` does.
 */
export async function buildApp(options: AppOptions): Promise<App> {
  const { env } = options;
  const role = options.role ?? 'all';
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const metrics = createMetrics();

  const chat = options.chatModel ?? new AiSdkChatModel(env.raw, options.fetch);
  const loaded = loadTenantsDir(env.TENANTS_DIR, env.raw);
  const tenants = new TenantRegistry(
    loaded.map((tenant) => buildTenant(tenant, { appSecret: env.WHATSAPP_APP_SECRET }, (settings) => chat.credentialsProblem(settings))),
  );
  const registry = () => tenants;

  const database = await openDatabase(env.DATABASE_URL, { synchronous: env.SQLITE_SYNCHRONOUS, poolSize: env.DATABASE_POOL_SIZE });
  const batcher = new WriteBatcher(database.db);
  const queue = new SqlJobQueue(database.db, batcher, clock);
  const inbox = new SqlInbox(batcher, clock);
  const conversations = new SqlConversationStore(database.db, batcher);
  const outbox = new SqlOutbox(database.db, batcher);
  const graph = new GraphClient({ baseUrl: env.WHATSAPP_GRAPH_URL, apiVersion: env.WHATSAPP_API_VERSION, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const leads = new SqlLeadStore(database.db, batcher);
  const appointments = new SqlAppointmentStore(database.db, batcher);
  const orders = new SqlOrderStore(database.db, batcher);
  const followUps = new SqlFollowUpLog(database.db, batcher);
  const integrations = new IntegrationClient(options.fetch ? { fetch: options.fetch } : {});

  const actionsByTenant = new Map<string, TenantActions>();
  try {
    const services = { leads, appointments, orders, conversations, integrations, followUps, log: log.child({ stage: 'actions' }) };
    for (const tenant of tenants.all()) actionsByTenant.set(tenant.id, await buildTenantActions(tenant, services));
  } catch (error) {
    await database.close();
    throw error;
  }

  // Built once: these run for every message.
  const turnDeps = {
    conversations,
    chat,
    graph,
    tenants: registry,
    clock,
    log: log.child({ stage: 'conversation' }),
    metrics,
    actions: (tenantId: string) => actionsByTenant.get(tenantId),
  };
  const followUpDeps: FollowUpDependencies = {
    tenants: registry,
    conversations,
    appointments,
    orders,
    leads,
    followUps,
    queue,
    clock,
    log: log.child({ stage: 'followups' }),
    format: {
      date: (ms, tenant) => DateTime.fromMillis(ms, { zone: tenant.config.timezone }).setLocale(tenant.config.language).toLocaleString(DateTime.DATE_MED),
      time: (ms, tenant) => DateTime.fromMillis(ms, { zone: tenant.config.timezone }).setLocale(tenant.config.language).toLocaleString(DateTime.TIME_SIMPLE),
      money: (minor, currency, tenant) => formatMoney(minor, currency, tenant.config.language),
    },
  };
  const integrationDeps = {
    client: integrations,
    leads,
    config: (tenantId: string) => tenants.byId(tenantId)?.config,
    now: () => clock.now(),
    log: log.child({ stage: 'actions' }),
  };
  const deliverDeps = { outbox, graph, tenants: registry, clock, log: log.child({ stage: 'outbound' }), metrics };
  const releaseDeps = { conversations, queue, tenants: registry, clock, log: turnDeps.log };
  const sweepDeps = { outbox, queue, clock, log: log.child({ stage: 'ops' }) };

  const workerId = newId('worker');
  const worker =
    role === 'api'
      ? null
      : new Worker({
          id: workerId,
          queue,
          clock,
          log: log.child({ stage: 'jobs' }),
          metrics,
          concurrency: env.WORKER_CONCURRENCY,
          leaseMs: 120_000,
          pollMs: 250,
          maxAttempts: { 'conversation.turn': 5, 'outbox.deliver': 10, 'handoff.release': 5, 'maintenance.sweep': 3, 'integration.call': 8, 'followup.send': 5 },
          handlers: {
            'conversation.turn': async (job) => {
              const tenantId = String(job.payload['tenantId']);
              const userId = String(job.payload['userId']);
              const outcome = await runTurn(turnDeps, tenantId, userId);
              // A reply was just written: deliver it now, in this slot, rather than at the next claim.
              return outcome === 'replied' || outcome === 'escalated' || outcome === 'fallback' || outcome === 'action' ? { next: [jobKeys.delivery(tenantId, userId)] } : {};
            },
            'outbox.deliver': async (job) => {
              await deliverPending(deliverDeps, String(job.payload['tenantId']), String(job.payload['recipientId']));
            },
            'maintenance.sweep': async () => {
              await sweep(sweepDeps);
            },
            'handoff.release': async (job) => {
              await releaseIdleHandoff(releaseDeps, String(job.payload['tenantId']), String(job.payload['userId']));
            },
            'integration.call': async (job) => {
              await runIntegrationCall(integrationDeps, job.payload as unknown as IntegrationCallPayload);
            },
            'followup.send': async (job) => {
              const { tenantId, userId } = job.payload as { tenantId: string; userId: string };
              const result = await sendFollowUp(followUpDeps, job.payload as unknown as FollowUpPayload);
              return result === 'sent' ? { next: [jobKeys.delivery(tenantId, userId)] } : {};
            },
          },
        });
  const wake = () => worker?.wake();

  const http = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024, return503OnClosing: true });
  http.setErrorHandler((error, request, reply) => {
    if (error instanceof ZodError) {
      return reply.code(400).send({ error: 'REQUEST_INVALID', message: error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
    }
    const status = error instanceof SwitchboardError ? error.status ?? 500 : (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) log.error({ url: request.url, ...describeError(error) }, 'http.failed');
    const message = status >= 500 ? 'internal error; see the server log' : describeError(error).message;
    return reply.code(status).send({ error: error instanceof SwitchboardError ? error.code : 'INTERNAL', message });
  });
  let accepting = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!accepting) return reply.code(503).send({ status: 'starting or stopping' });
    try {
      await database.db.selectFrom('jobs').select('id').limit(1).execute();
      return { status: 'ready', tenants: tenants.all().length };
    } catch (error) {
      return reply.code(503).send({ status: 'database unavailable', ...describeError(error) });
    }
  });
  http.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await http.register(webhookRoutes, {
    tenants: registry,
    inbox,
    clock,
    log: log.child({ stage: 'ingress' }),
    metrics,
    verifyToken: env.WHATSAPP_VERIFY_TOKEN,
    onAccepted: wake,
  });
  await http.register(adminRoutes, {
    prefix: '/admin',
    adminToken: env.ADMIN_TOKEN,
    tenants: registry,
    conversations,
    outbox,
    queue,
    leads,
    appointments,
    orders,
    followUps,
    actions: (tenantId: string) => actionsByTenant.get(tenantId),
    clock,
    log: log.child({ stage: 'admin' }),
    onScheduled: wake,
  });

  for (const tenant of tenants.all()) {
    if (tenant.problems.length > 0) log.warn({ tenantId: tenant.id, file: tenant.file, problems: tenant.problems }, 'tenant.degraded');
    else log.info({ tenantId: tenant.id, file: tenant.file, provider: tenant.model.provider }, 'tenant.loaded');
  }
  if (tenants.appSecrets.length === 0) log.error('no app secret configured: every webhook will get 401 (set WHATSAPP_APP_SECRET)');

  let started = false;
  return {
    http,
    tenants,
    database,
    worker,
    async start() {
      started = true;
      if (worker) {
        // The embedded deployment is one process: a lease held by anyone else belongs to a dead run. With a
        // shared PostgreSQL other workers are alive; their dead peers' leases simply expire.
        if (database.dialect === 'sqlite') {
          const released = await queue.releaseLeasesExcept([workerId]);
          if (released > 0) log.warn({ released }, 'jobs.leases_recovered');
        }
        await queue.schedule(sweepJob(clock.now()));
        for (const { tenantId, recipientId } of await outbox.pendingRecipients()) {
          await queue.schedule(deliveryJob(tenantId, recipientId, clock.now()));
        }
        worker.start();
      }
      let url: string | null = null;
      if (role !== 'worker') {
        url = await http.listen({ port: env.PORT, host: env.HOST });
      } else {
        await http.ready();
      }
      accepting = true;
      log.info({ url, role, tenants: tenants.all().length, database: database.dialect }, 'server.started');
      return { url };
    },
    async stop() {
      accepting = false;
      if (started) await http.close(); // finishes in-flight webhooks: their rows are committed before the 200
      if (worker) await worker.stop();
      await graph.close();
      await integrations.close();
      await database.close();
      log.info('server.stopped');
    },
  };
}
