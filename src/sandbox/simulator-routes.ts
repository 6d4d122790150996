import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../ports/clock.js';
import type { EventBus, SwitchboardEvent } from '../ports/event-bus.js';
import { describeError } from '../shared/errors.js';
import { EventStreams } from '../shared/event-streams.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { postSignedWebhook } from './post-signed-webhook.js';
import { sandboxDisabled } from './sandbox-disabled.js';
import type { Sandbox } from './sandbox.js';
import { displayNumberOf, unixSeconds, webhookEnvelope } from './webhook-envelope.js';

export interface SimulatorRoutesOptions {
  /** null outside sandbox mode: every route answers 404 SANDBOX_DISABLED. */
  sandbox: Sandbox | null;
  tenants: () => TenantRegistry;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** The admin API's authentication (a preHandler hook) that reads each route's `config.openapi` (access, queryToken). */
  authenticate: preHandlerAsyncHookHandler;
  /** Whether the authenticated caller may act for this tenant (tenant-scoped tokens); default: yes. */
  mayAccessTenant?: (request: FastifyRequest, tenantId: string) => boolean;
  /** Interval of the stream's keep-alive comments; default 15000 ms. */
  heartbeatMs?: number;
}

/** A phone number as the customer's WhatsApp id: digits only, `+`, spaces, `-` and `()` dropped. */
const customerNumber = z
  .string()
  .transform((value) => value.replace(/[\s()+-]/g, ''))
  .pipe(z.string().regex(/^\d{5,20}$/, 'expected a phone number with its country code, e.g. 15551234567'));

const option = z.object({ id: z.string().min(1).max(256), title: z.string().min(1).max(200) });
const postBody = z
  .object({
    tenantId: z.string().min(1),
    from: customerNumber,
    /** The customer's profile name; default 'Simulator'. */
    name: z.string().min(1).max(100).optional(),
    text: z.string().min(1).max(4096).optional(),
    button: option.optional(),
    list: option.extend({ description: z.string().max(200).optional() }).optional(),
    /** The wamid of the bot's message being answered; found by the option's id when omitted. */
    replyTo: z.string().min(1).optional(),
  })
  .refine((body) => [body.text, body.button, body.list].filter((part) => part !== undefined).length === 1, {
    message: 'send exactly one of text, button or list',
  });

const conversationQuery = z.object({
  tenantId: z.string().min(1),
  user: customerNumber.describe("The customer's number (digits with the country code)"),
  access_token: z.string().optional().describe('The token, for EventSource (which cannot send headers)'),
});

const sandboxMessage = z.object({
  type: z.literal('sandbox.message'),
  tenantId: z.string(),
  userId: z.string().describe("The recipient's conversation key"),
  phoneNumberId: z.string(),
  waMessageId: z.string().describe('wamid.sandbox.…'),
  body: z.record(z.string(), z.unknown()).describe('The Graph API request body as sent: type, text / interactive / template …, to, context'),
  at: z.number().describe('Unix ms'),
});
const posted = z.object({ waMessageId: z.string().describe('The customer message id, wamid.simulator.…'), webhookStatus: z.literal(200) });
const SANDBOX_ONLY = 'SANDBOX_DISABLED: the server runs in live mode; TENANT_NOT_FOUND: no such tenant';

/**
 * What the admin API's OpenAPI document and authentication read (`config.openapi`, see admin/route-doc.ts):
 * staff tokens may use the simulator for their own tenant.
 */
const docs = {
  post: {
    tag: 'simulator',
    summary: 'Send a message as a customer (sandbox mode)',
    description: 'Builds a webhook envelope for the tenant’s number, signs it with the tenant’s app secret and POSTs it to the server’s own /webhook. Exactly one of text, button (a reply button press) or list (a list row pick).',
    access: 'tenant' as const,
    body: postBody,
    response: posted,
    errors: { 404: SANDBOX_ONLY, 502: 'SIMULATOR_WEBHOOK_FAILED: POST /webhook did not answer 200' },
  },
  recent: {
    tag: 'simulator',
    summary: 'The latest messages the sandbox sent to one customer, oldest first (sandbox mode)',
    access: 'tenant' as const,
    query: conversationQuery,
    response: z.object({ messages: z.array(sandboxMessage.omit({ type: true })) }),
    errors: { 404: SANDBOX_ONLY },
  },
  stream: {
    tag: 'simulator',
    summary: 'What the bot sends one customer, as server-sent events (sandbox mode)',
    description: 'Events: `ready` once subscribed ({ tenantId, userId }), then one `sandbox.message` per message the sandbox accepted for this customer (its data: the event as JSON). Comments every 15 s keep the connection open.',
    access: 'tenant' as const,
    query: conversationQuery,
    response: 'text/event-stream' as const,
    queryToken: true,
    errors: { 404: SANDBOX_ONLY },
  },
};

/**
 * The simulator's backend, under /admin/simulator and the admin authentication: post as a customer through the
 * real signed webhook path, and follow what the bot sends that customer as server-sent events.
 */
export async function simulatorRoutes(app: FastifyInstance, options: SimulatorRoutesOptions): Promise<void> {
  const { sandbox, events, clock, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new EventStreams(heartbeatMs);

  app.addHook('onRequest', async (_request, reply) => {
    if (!sandbox) return sandboxDisabled(reply);
  });
  // The stream's `access_token` query (EventSource cannot send headers) is accepted by the admin API's
  // authentication because the route says `queryToken: true`.
  app.addHook('preHandler', options.authenticate);
  app.addHook('preClose', async () => streams.closeAll());

  const tenantFor = (request: FastifyRequest, reply: FastifyReply, tenantId: string) => {
    const tenant = options.tenants().byId(tenantId);
    if (!tenant) {
      void reply.code(404).send({ error: 'TENANT_NOT_FOUND', message: `no tenant ${tenantId}; list them with GET /admin/tenants` });
      return undefined;
    }
    if (options.mayAccessTenant && !options.mayAccessTenant(request, tenantId)) {
      void reply.code(403).send({ error: 'FORBIDDEN', message: `this token cannot reach tenant ${tenantId}` });
      return undefined;
    }
    return tenant;
  };

  app.post('/messages', { config: { openapi: docs.post } }, async (request, reply) => {
    const body = postBody.parse(request.body);
    const tenant = tenantFor(request, reply, body.tenantId);
    if (!tenant || !sandbox) return reply;
    const phoneNumberId = tenant.config.whatsapp.phone_number_id;
    const displayNumber = displayNumberOf(phoneNumberId, tenant.config.whatsapp.display_phone_number);
    const waMessageId = `wamid.simulator.${randomBytes(12).toString('hex')}`;
    const message: Record<string, unknown> = { from: body.from, id: waMessageId, timestamp: unixSeconds(clock.now()) };
    if (body.text !== undefined) {
      Object.assign(message, { type: 'text', text: { body: body.text } });
    } else {
      const pressed = (body.button ?? body.list)!;
      const replyTo = body.replyTo ?? sandbox.findOffer(tenant.id, body.from, pressed.id)?.waMessageId;
      const interactive = body.button
        ? { type: 'button_reply', button_reply: { id: pressed.id, title: pressed.title } }
        : { type: 'list_reply', list_reply: { id: pressed.id, title: pressed.title, ...(body.list?.description ? { description: body.list.description } : {}) } };
      Object.assign(message, { type: 'interactive', interactive, ...(replyTo ? { context: { from: displayNumber, id: replyTo } } : {}) });
    }
    const envelope = webhookEnvelope(
      { phoneNumberId, displayNumber },
      { contacts: [{ profile: { name: body.name ?? 'Simulator' }, wa_id: body.from }], messages: [message] },
    );

    const baseUrl = sandbox.listenUrl;
    let answer: { status: number; text: string } | null = null;
    let failure = 'the server does not listen for HTTP (role worker?)';
    if (baseUrl !== null) {
      try {
        answer = await postSignedWebhook(baseUrl, envelope, tenant.appSecret ?? sandbox.appSecret);
      } catch (error) {
        failure = `POST ${baseUrl}/webhook failed: ${describeError(error).message}`;
      }
    }
    log.info({ tenantId: tenant.id, from: maskPhone(body.from), waMessageId, webhookStatus: answer?.status ?? null }, 'simulator.posted');
    if (answer?.status === 200) return { waMessageId, webhookStatus: 200 };
    return reply.code(502).send({
      error: 'SIMULATOR_WEBHOOK_FAILED',
      message: answer ? `POST /webhook answered ${answer.status}: ${answer.text.slice(0, 300)}` : failure,
      waMessageId,
      webhookStatus: answer?.status ?? null,
    });
  });

  app.get('/messages', { config: { openapi: docs.recent } }, async (request, reply) => {
    const query = conversationQuery.parse(request.query);
    const tenant = tenantFor(request, reply, query.tenantId);
    if (!tenant || !sandbox) return reply;
    return { messages: sandbox.recent(tenant.id, query.user) };
  });

  app.get('/stream', { config: { openapi: docs.stream } }, async (request, reply) => {
    const query = conversationQuery.parse(request.query);
    const tenant = tenantFor(request, reply, query.tenantId);
    if (!tenant || !sandbox) return reply;
    reply.hijack();
    let unsubscribe = () => {};
    const write = streams.start(reply.raw, () => unsubscribe());
    write('ready', { tenantId: tenant.id, userId: query.user });
    unsubscribe = events.subscribe([tenant.id], (event: SwitchboardEvent) => {
      if (event.type !== 'sandbox.message' || event.userId !== query.user) return;
      write(event.type, event);
      sandbox.markDisplayed(event);
    });
  });
}
