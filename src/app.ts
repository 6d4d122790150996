import Fastify, { type FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { ZodError } from 'zod';
import { buildTenantActions, formatMoney, IntegrationClient, runIntegrationCall, type IntegrationCallPayload, type TenantActions } from './actions/index.js';
import { AiSdkChatModel } from './adapters/ai-sdk/ai-sdk-chat-model.js';
import { LlamaChatModel } from './adapters/llama/llama-chat-model.js';
import { RouteChatModel } from './adapters/route-chat-model.js';
import { MemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { openDatabase, type SqlDatabase } from './adapters/sql/open-database.js';
import { SqlAccessTokenStore } from './adapters/sql/sql-access-token-store.js';
import { SqlAppointmentStore } from './adapters/sql/sql-appointment-store.js';
import { SqlAuditLog } from './adapters/sql/sql-audit-log.js';
import { SqlConversationStore } from './adapters/sql/sql-conversation-store.js';
import { SqlFollowUpLog } from './adapters/sql/sql-follow-up-log.js';
import { SqlLeadStore } from './adapters/sql/sql-lead-store.js';
import { SqlOperationsQueries } from './adapters/sql/sql-operations-queries.js';
import { SqlOrderStore } from './adapters/sql/sql-order-store.js';
import { SqlInbox } from './adapters/sql/sql-inbox.js';
import { SqlJobQueue } from './adapters/sql/sql-job-queue.js';
import { SqlWebhookJournal } from './adapters/sql/sql-webhook-journal.js';
import { WriteBatcher } from './adapters/sql/write-batcher.js';
import { deliveryJob, SqlOutbox } from './adapters/sql/sql-outbox.js';
import { BullmqJobQueue } from './adapters/bullmq/bullmq-job-queue.js';
import { JobRelay } from './adapters/bullmq/job-relay.js';
import { MemoryContextCache } from './adapters/memory/memory-context-cache.js';
import { MemoryRateLimiter } from './adapters/rate-limit/memory-rate-limiter.js';
import { connectRedis } from './adapters/redis/connect-redis.js';
import { RedisContextCache } from './adapters/redis/redis-context-cache.js';
import { RedisDeduper } from './adapters/redis/redis-deduper.js';
import { RedisRateLimiter } from './adapters/redis/redis-rate-limiter.js';
import { AfterCommitConversationStore } from './adapters/scale/after-commit-conversation-store.js';
import { AfterCommitFollowUpLog } from './adapters/scale/after-commit-follow-up-log.js';
import type { ContextCache } from './ports/context-cache.js';
import type { Deduper } from './ports/deduper.js';
import type { TenantMessage } from './ports/inbox.js';
import type { JobName, JobQueue } from './ports/job-queue.js';
import type { RateLimiter } from './ports/rate-limiter.js';
import type { JobHandler } from './jobs/index.js';
import { adminRoutes, prepareAdminApi, TenantFiles } from './admin/index.js';
import { consoleAssets } from './admin/console-assets.js';
import type { Env } from './config/env.js';
import { loadTenantsDir, type LoadedTenant } from './config/load-tenants.js';
import { contextWindowFor, releaseIdleHandoff, runTurn, turnLimitDelay } from './conversation/index.js';
import { sendFollowUp, type FollowUpDependencies, type FollowUpPayload } from './followups/index.js';
import { DirectIntake, JournalDrainer, JournalIntake, webhookRoutes, type WebhookIntake } from './ingress/index.js';
import { Worker } from './jobs/index.js';
import { createMetrics, sweep, sweepJob } from './ops/index.js';
import { deliverPending, GraphClient } from './outbound/index.js';
import type { ChatModel } from './ports/chat-model.js';
import type { Clock } from './ports/clock.js';
import { DEFAULT_MODEL } from './models/index.js';
import { jobKeys } from './ports/job-keys.js';
import { describeError, SwitchboardError } from './shared/errors.js';
import { newId } from './shared/ids.js';
import { createLogger, type Logger } from './shared/logger.js';
import { describeMode, inProcessFetch, ownUrls, resolveAdminToken, Sandbox, SANDBOX_GRAPH_URL, sandboxGraphRoutes, simulatorRoutes, withSandboxTokens } from './sandbox/index.js';
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
  /** The window of `limits.turns_per_minute`, default 60 s (tests shorten it to see a deferred turn run). */
  turnWindowMs?: number;
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

  const chat =
    options.chatModel ??
    new RouteChatModel({
      hosted: new AiSdkChatModel(env.raw, options.fetch),
      local: new LlamaChatModel({
        modelsDir: env.MODELS_DIR,
        defaultModelFile: DEFAULT_MODEL.file,
        sequences: env.LOCAL_MODEL_SEQUENCES,
        contextSize: env.LOCAL_MODEL_CONTEXT,
        threads: env.LOCAL_MODEL_THREADS,
        logger: log.child({ stage: 'engine' }),
      }),
    });
  const events = new MemoryEventBus();
  // Sandbox mode: a stand-in for the Graph API, with tokens and an app secret for tenants that have none.
  const sandbox: Sandbox | null = env.WHATSAPP_SANDBOX ? new Sandbox({ tenants: (): TenantRegistry => tenants, events, clock, log: log.child({ stage: 'sandbox' }) }) : null;
  const loaded = loadTenantsDir(env.TENANTS_DIR, env.raw);
  // From files to tenants, at start-up and on a reload (POST /admin/tenants/reload).
  const toTenants = (files: LoadedTenant[]) =>
    (sandbox ? withSandboxTokens(files, (tenantId) => sandbox.accessTokenFor(tenantId)) : files).map((tenant) =>
      buildTenant(tenant, { appSecret: env.WHATSAPP_APP_SECRET ?? sandbox?.appSecret }, (settings) => chat.credentialsProblem(settings)),
    );
  // `let`: a reload swaps the registry and the actions together (tenantFiles below); read them through these closures.
  let tenants = new TenantRegistry(toTenants(loaded));
  const registry = () => tenants;
  const admin = resolveAdminToken(env.ADMIN_TOKEN, env.WHATSAPP_SANDBOX);

  const database = await openDatabase(env.DATABASE_URL, {
    synchronous: env.SQLITE_SYNCHRONOUS,
    poolSize: env.DATABASE_POOL_SIZE,
    onCheckpointFailure: (error) => log.error(describeError(error), 'database.checkpoint_failed'),
  });
  // Scale mode: REDIS_URL moves the job queue (BullMQ), de-duplication, rate limits and context windows to Redis,
  // shared by every process. DATABASE_URL chooses SQLite or PostgreSQL independently.
  let redis: Awaited<ReturnType<typeof connectRedis>> | null = null;
  if (env.REDIS_URL) {
    try {
      redis = await connectRedis(env.REDIS_URL, {
        connectionName: `switchboard:${role}`,
        onError: (error) => log.warn({ message: error.message }, 'redis.failed'),
      });
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  const batcher = new WriteBatcher(database.db);
  const keyPrefix = env.REDIS_KEY_PREFIX;
  const bullmq = redis
    ? new BullmqJobQueue({ connection: redis, clock, log: log.child({ stage: 'jobs' }), prefix: keyPrefix, leaseMs: env.WORKER_LEASE_MS ?? 30_000, stalledIntervalMs: env.JOBS_STALLED_INTERVAL_MS })
    : null;
  const queue: JobQueue = bullmq ?? new SqlJobQueue(database.db, batcher, clock);
  // Only the direct intake (PostgreSQL) asks before storing: across api processes Redis answers a redelivery before
  // the database is asked. On SQLite the journal's distribution already answers it with the unique claim.
  const deduper: Deduper | undefined = redis && database.dialect === 'postgres' ? new RedisDeduper(redis, { keyPrefix }) : undefined;
  const context: ContextCache = redis ? new RedisContextCache(redis, { keyPrefix }) : new MemoryContextCache({ clock });
  // Limits count real seconds: with an injected clock (tests moving time) a deferral would be due at a time that
  // clock may never reach, so the embedded deployment limits only on the system clock.
  const limiter: RateLimiter | undefined = redis ? new RedisRateLimiter(redis, { keyPrefix }) : options.clock ? undefined : new MemoryRateLimiter();
  // The SQL adapters schedule jobs inside their transactions (the `jobs` table); with BullMQ, processes running a
  // worker relay those rows to it. Woken after local commits; polls for rows of other processes (api's turns).
  const relay = bullmq && role !== 'api' ? new JobRelay({ db: database.db, batcher, target: bullmq, log: log.child({ stage: 'jobs' }) }) : null;
  const inbox = new SqlInbox(batcher, clock);
  const contextWindow = (tenantId: string) => {
    const tenant = tenants.byId(tenantId);
    return tenant ? contextWindowFor(tenant) : null;
  };
  const conversations = new AfterCommitConversationStore(new SqlConversationStore(database.db, batcher), {
    context,
    window: contextWindow,
    ...(bullmq ? { queue: bullmq } : {}),
    onCommitted: () => relay?.wake(),
    log: log.child({ stage: 'conversation' }),
  });
  const outbox = new SqlOutbox(database.db, batcher);
  const graph = sandbox
    ? new GraphClient({ baseUrl: SANDBOX_GRAPH_URL, apiVersion: env.WHATSAPP_API_VERSION, fetch: inProcessFetch(() => http) })
    : new GraphClient({ baseUrl: env.WHATSAPP_GRAPH_URL, apiVersion: env.WHATSAPP_API_VERSION, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const leads = new SqlLeadStore(database.db, batcher);
  const appointments = new SqlAppointmentStore(database.db, batcher);
  const orders = new SqlOrderStore(database.db, batcher);
  const followUps = new AfterCommitFollowUpLog(new SqlFollowUpLog(database.db, batcher), { context, onCommitted: () => relay?.wake(), log: log.child({ stage: 'followups' }) });
  const accessTokens = new SqlAccessTokenStore(database.db, batcher);
  const audit = new SqlAuditLog(database.db, batcher);
  const queries = new SqlOperationsQueries(database.db);
  const integrations = new IntegrationClient(options.fetch ? { fetch: options.fetch } : {});

  let actionsByTenant = new Map<string, TenantActions>();
  const actionServices = { leads, appointments, orders, conversations, integrations, followUps, events, log: log.child({ stage: 'actions' }) };
  try {
    for (const tenant of tenants.all()) actionsByTenant.set(tenant.id, await buildTenantActions(tenant, actionServices));
  } catch (error) {
    await database.close();
    throw error;
  }
  const tenantFiles = new TenantFiles({
    dir: env.TENANTS_DIR,
    env: env.raw,
    toTenants,
    services: actionServices,
    swap: (set) => {
      tenants = set.registry;
      actionsByTenant = set.actions;
    },
    log: log.child({ stage: 'admin' }),
  });

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
    events,
    context,
    ...(limiter ? { limiter } : {}),
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
  const deliverDeps = { outbox, graph, tenants: registry, clock, log: log.child({ stage: 'outbound' }), metrics, events, ...(limiter ? { limiter } : {}) };
  const releaseDeps = { conversations, queue, tenants: registry, clock, log: turnDeps.log, events };
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
          // With Redis the lease is renewed while a job runs, so it can be short: a dead worker's jobs come back soon.
          leaseMs: env.WORKER_LEASE_MS ?? (bullmq ? 30_000 : 120_000),
          pollMs: bullmq ? 100 : 250,
          maxAttempts: { 'conversation.turn': 5, 'outbox.deliver': 10, 'handoff.release': 5, 'maintenance.sweep': 3, 'integration.call': 8, 'followup.send': 5 },
          handlers: wakeRelayAfter({
            'conversation.turn': async (job) => {
              const tenantId = String(job.payload['tenantId']);
              const userId = String(job.payload['userId']);
              // Over the tenant's turns per minute or tokens per day: the turn waits in the queue, never dropped.
              const tenant = tenants.byId(tenantId);
              const waitMs = tenant && limiter ? await turnLimitDelay(limiter, tenant, turnDeps.log, options.turnWindowMs) : 0;
              if (waitMs > 0) return { deferUntil: clock.now() + waitMs };
              const outcome = await runTurn(turnDeps, tenantId, userId);
              // A reply was just written: deliver it now, in this slot, rather than at the next claim.
              return outcome === 'replied' || outcome === 'escalated' || outcome === 'fallback' || outcome === 'action' ? { next: [jobKeys.delivery(tenantId, userId)] } : {};
            },
            'outbox.deliver': async (job) => {
              const { deferUntil } = await deliverPending(deliverDeps, String(job.payload['tenantId']), String(job.payload['recipientId']));
              return deferUntil === null ? {} : { deferUntil };
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
          }),
        });
  const wake = () => {
    relay?.wake();
    worker?.wake();
  };
  // Messages reached their mailboxes: run their turns, show them live.
  const onStored = (stored: readonly TenantMessage[]) => {
    wake();
    for (const message of stored) events.publish({ type: 'message.received', tenantId: message.tenantId, userId: message.userId, text: message.text, at: clock.now() });
  };
  // On SQLite the webhook's durable step is the journal: one small row per webhook before the 200, distributed into
  // the mailboxes right after by the process's worker side (or by a `--role worker` process polling it). On
  // PostgreSQL (scale mode) api processes write straight to the mailboxes, de-duplicated by Redis first.
  const ingressLog = log.child({ stage: 'ingress' });
  const journal = database.dialect === 'sqlite' ? new SqlWebhookJournal(database.db, batcher, clock) : null;
  if (journal) metrics.watchJournal(() => journal.backlog());
  const drainer =
    journal && role !== 'api'
      ? new JournalDrainer({ journal, tenants: registry, onStored, log: ingressLog, metrics, pollMs: role === 'worker' ? (bullmq ? 100 : 250) : 1000 })
      : null;
  const intake: WebhookIntake = journal
    ? new JournalIntake(journal, () => drainer?.kick())
    : new DirectIntake({ tenants: registry, inbox, onStored, log: ingressLog, metrics, ...(deduper ? { deduper } : {}) });
  /** A handler's commits may have written job rows: the relay moves them to BullMQ at once. */
  function wakeRelayAfter(handlers: Record<JobName, JobHandler>): Record<JobName, JobHandler> {
    if (!relay) return handlers;
    return Object.fromEntries(
      Object.entries(handlers).map(([name, handler]) => [
        name,
        async (job: Parameters<JobHandler>[0]) => {
          try {
            return await handler(job);
          } finally {
            relay.wake();
          }
        },
      ]),
    ) as Record<JobName, JobHandler>;
  }

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
  // Before any /admin route: collects them for the OpenAPI document and audits their writes.
  const adminApi = prepareAdminApi(http, { adminToken: admin.token, tokens: accessTokens, audit, clock, log: log.child({ stage: 'admin' }) });
  let accepting = false;
  http.get('/healthz', async () => ({ status: 'ok' }));
  http.get('/readyz', async (_request, reply) => {
    if (!accepting) return reply.code(503).send({ status: 'starting or stopping' });
    try {
      await database.db.selectFrom('jobs').select('id').limit(1).execute();
      if (redis) await redis.ping();
      return { status: 'ready', tenants: tenants.all().length };
    } catch (error) {
      return reply.code(503).send({ status: 'database unavailable', ...describeError(error) });
    }
  });
  http.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await http.register(consoleAssets); // the built web console at /console (npm run build)
  await http.register(webhookRoutes, { tenants: registry, intake, clock, log: ingressLog, metrics, verifyToken: env.WHATSAPP_VERIFY_TOKEN });
  await http.register(sandboxGraphRoutes, { prefix: '/sandbox/graph', sandbox });
  await http.register(simulatorRoutes, {
    prefix: '/admin/simulator',
    sandbox,
    tenants: registry,
    events,
    clock,
    log: log.child({ stage: 'sandbox' }),
    authenticate: adminApi.auth.authenticate,
    mayAccessTenant: adminApi.auth.mayAccessTenant,
  });
  await http.register(adminRoutes, {
    prefix: '/admin',
    api: adminApi,
    tenants: registry,
    conversations,
    outbox,
    queue,
    tokens: accessTokens,
    audit,
    queries,
    events,
    tenantFiles,
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
  if (sandbox && env.raw['WHATSAPP_GRAPH_URL']) log.warn({ graphUrl: env.WHATSAPP_GRAPH_URL }, 'sandbox.graph_url_ignored');
  if (sandbox && role !== 'all') log.warn({ role }, 'sandbox.split_roles: run `serve --role all` so the simulator sees the replies');

  let started = false;
  return {
    http,
    get tenants() {
      return tenants;
    },
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
        if (bullmq) await bullmq.startStalledCheck(); // gives back the jobs of dead workers, from any process
        relay?.start();
        drainer?.start(); // first the webhooks acknowledged before a crash or a stop
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
      const own = url === null ? null : ownUrls(http.server.address());
      sandbox?.setListenUrl(own?.loopback ?? null);
      log.info({ url, role, tenants: tenants.all().length, database: database.dialect }, 'server.started');
      log.info(
        { mode: sandbox ? 'sandbox' : 'live' },
        describeMode({ sandbox: sandbox !== null, publicUrl: own?.public ?? null, graphUrl: env.WHATSAPP_GRAPH_URL, apiVersion: env.WHATSAPP_API_VERSION, generatedAdminToken: admin.generated ? admin.token : undefined }),
      );
      return { url };
    },
    async stop() {
      accepting = false;
      await sandbox?.close(); // no more status webhooks to ourselves
      if (started) await http.close(); // finishes in-flight webhooks: their rows are committed before the 200
      await drainer?.stop(); // what was acknowledged reaches the mailboxes (or stays journaled for the next start)
      if (worker) await worker.stop();
      await relay?.stop(); // after the worker: rows its last jobs committed still reach BullMQ
      await bullmq?.close();
      await graph.close();
      await integrations.close();
      await database.close();
      await redis?.quit().catch(() => redis?.disconnect());
      log.info('server.stopped');
    },
  };
}
