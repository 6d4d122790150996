import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../ports/clock.js';
import type { EventBus } from '../ports/event-bus.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { Tenant, TenantRegistry } from '../tenancy/index.js';
import { graphErrorBody, type GraphError } from './graph-error.js';
import { postSignedWebhook, type WebhookAnswer } from './post-signed-webhook.js';
import { validateGraphRequest } from './validate-graph-request.js';
import { displayNumberOf, unixSeconds, webhookEnvelope } from './webhook-envelope.js';

/** A message the stand-in accepted, as the simulator shows it. */
export interface SandboxMessage {
  tenantId: string;
  /** The recipient's conversation key (digits, or a BSUID). */
  userId: string;
  phoneNumberId: string;
  waMessageId: string;
  /** The Graph API request body as received (`type`, `text` / `interactive` / `template` ..., `to`, `context`). */
  body: Record<string, unknown>;
  at: number;
}

export interface SandboxOptions {
  tenants: () => TenantRegistry;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /**
   * Delays of the `sent` and `delivered` status webhooks after a send, and of `read` after the message was shown
   * on a simulator stream; null sends none. Default `{ sent: 20, delivered: 120, read: 150 }`.
   */
  statusDelaysMs?: { sent: number; delivered: number; read: number } | null;
}

const MAX_RECENT_PER_CONVERSATION = 50;
const MAX_CONVERSATIONS = 1000;
const MAX_TRACKED = 10_000;

/**
 * The built-in stand-in for the Graph API (`WHATSAPP_SANDBOX=1`). It answers sends like Meta, publishes each
 * accepted message as a `sandbox.message` event, and reports `sent` / `delivered` / `read` back through the
 * server's own signed `POST /webhook`, so delivery states move as in production. Nothing leaves the machine.
 */
export class Sandbox {
  /** Given to tenants whose file and environment have no app secret; signs the simulator's webhooks for them. */
  readonly appSecret = `sandbox-secret-${randomBytes(16).toString('hex')}`;
  /** A restart must not reuse ids that stored rows already carry: ids are unique per boot. */
  readonly #boot = Date.now().toString(36);
  #sequence = 0;
  #listenUrl: string | null = null;
  readonly #recent = new Map<string, SandboxMessage[]>();
  /** Outbound wamids whose status webhooks are still to come, chained so they arrive in order. */
  readonly #statusChains = new Map<string, { message: SandboxMessage; chain: Promise<void>; readScheduled: boolean }>();
  readonly #stopping = new AbortController();
  readonly #delays: { sent: number; delivered: number; read: number } | null;

  constructor(private readonly options: SandboxOptions) {
    this.#delays = options.statusDelaysMs === undefined ? { sent: 20, delivered: 120, read: 150 } : options.statusDelaysMs;
  }

  /** The access token given to a tenant without one: per process, so a leaked sandbox token opens nothing. */
  accessTokenFor(tenantId: string): string {
    return `sandbox-token-${createHash('sha256').update(`${this.appSecret}:${tenantId}`).digest('hex').slice(0, 32)}`;
  }

  /** The server's own base URL over loopback, once it listens (status webhooks and the simulator post there). */
  setListenUrl(url: string | null): void {
    this.#listenUrl = url;
  }

  get listenUrl(): string | null {
    return this.#listenUrl;
  }

  /**
   * Handles `POST /{version}/{phone_number_id}/messages` as Meta would: the number must belong to a tenant, the
   * bearer token must be that tenant's, and the body must pass Meta's checks. Answers a status and a JSON body.
   */
  handleMessages(phoneNumberId: string, authorization: string | undefined, body: unknown): { status: number; json: unknown } {
    const tenant = this.options.tenants().byPhoneNumberId(phoneNumberId);
    if (!tenant) {
      return refusal({
        httpStatus: 400,
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
        message: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        details: `no tenant has whatsapp.phone_number_id ${phoneNumberId} (sandbox)`,
      });
    }
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (!token || !tenant.accessToken || !sameSecret(token, tenant.accessToken)) {
      return refusal({
        httpStatus: 401,
        code: 190,
        message: token ? 'Invalid OAuth access token - Cannot parse access token' : 'An active access token must be used to query information about the current user.',
        details: `the bearer token is not whatsapp.access_token of tenant ${tenant.id} (sandbox)`,
      });
    }
    const request = validateGraphRequest(body);
    if (request.kind === 'invalid') return refusal(request.error);
    const payload = body as Record<string, unknown>;
    const now = this.options.clock.now();

    // Read receipts and typing indicators are answered, not published: the simulator shows messages.
    if (request.kind === 'read') return { status: 200, json: { success: true } };

    const waMessageId = `wamid.sandbox.${this.#boot}.${++this.#sequence}`;
    const message: SandboxMessage = { tenantId: tenant.id, userId: request.userId, phoneNumberId, waMessageId, body: payload, at: now };
    this.#remember(message);
    this.options.log.debug({ tenantId: tenant.id, to: maskPhone(request.userId), waMessageId, type: request.type }, 'sandbox.accepted');
    this.#queueStatus(tenant, message, 'sent', this.#delays?.sent);
    this.#queueStatus(tenant, message, 'delivered', this.#delays?.delivered);
    // After queueing: a stream showing the message (synchronously, in publish) queues `read` behind them.
    this.options.events.publish({ type: 'sandbox.message', ...message });
    return {
      status: 200,
      json: {
        messaging_product: 'whatsapp',
        contacts: [{ input: request.input, wa_id: request.userId }],
        messages: [{ id: waMessageId, ...(request.type === 'template' ? { message_status: 'accepted' } : {}) }],
      },
    };
  }

  /** The latest messages the stand-in accepted for one conversation, oldest first. */
  recent(tenantId: string, userId: string): SandboxMessage[] {
    return [...(this.#recent.get(key(tenantId, userId)) ?? [])];
  }

  /** The newest message to this user offering a reply button or list row with that id (the context of a press). */
  findOffer(tenantId: string, userId: string, optionId: string): SandboxMessage | undefined {
    return this.recent(tenantId, userId)
      .reverse()
      .find((message) => offeredIds(message.body).includes(optionId));
  }

  /** A message reached a simulator screen: the customer has read it, so `read` follows (once). */
  markDisplayed(message: { tenantId: string; waMessageId: string }): void {
    const entry = this.#statusChains.get(key(message.tenantId, message.waMessageId));
    const tenant = this.options.tenants().byId(message.tenantId);
    if (!entry || entry.readScheduled || !tenant) return;
    entry.readScheduled = true;
    this.#queueStatus(tenant, entry.message, 'read', this.#delays?.read);
  }

  /** Stops the status webhooks still to come and waits for those in flight. */
  async close(): Promise<void> {
    this.#stopping.abort();
    await Promise.allSettled([...this.#statusChains.values()].map((entry) => entry.chain));
    this.#statusChains.clear();
  }

  #remember(message: SandboxMessage): void {
    const conversation = key(message.tenantId, message.userId);
    const list = this.#recent.get(conversation) ?? [];
    list.push(message);
    if (list.length > MAX_RECENT_PER_CONVERSATION) list.shift();
    this.#recent.delete(conversation); // re-inserted last: the Map's order is the eviction order
    bounded(this.#recent, conversation, list, MAX_CONVERSATIONS);
  }

  #queueStatus(tenant: Tenant, message: SandboxMessage, status: 'sent' | 'delivered' | 'read', delayMs: number | undefined): void {
    if (delayMs === undefined || this.#stopping.signal.aborted) return;
    const id = key(message.tenantId, message.waMessageId);
    const entry = this.#statusChains.get(id) ?? { message, chain: Promise.resolve(), readScheduled: false };
    entry.chain = entry.chain
      .then(() => sleep(delayMs, undefined, { signal: this.#stopping.signal }))
      .then(() => this.#postStatus(tenant, message, status))
      .catch((error: unknown) => {
        if (!this.#stopping.signal.aborted) this.options.log.warn({ tenantId: tenant.id, waMessageId: message.waMessageId, status, ...describeError(error) }, 'sandbox.status_failed');
      })
      .finally(() => {
        if (status === 'read') this.#statusChains.delete(id);
      });
    if (!this.#statusChains.has(id)) bounded(this.#statusChains, id, entry, MAX_TRACKED);
  }

  async #postStatus(tenant: Tenant, message: SandboxMessage, status: string): Promise<void> {
    const baseUrl = this.#listenUrl;
    if (baseUrl === null) return; // not listening (worker role): the states stay at `sent`
    const envelope = webhookEnvelope(
      { phoneNumberId: message.phoneNumberId, displayNumber: displayNumberOf(message.phoneNumberId, tenant.config.whatsapp.display_phone_number) },
      {
        statuses: [
          {
            id: message.waMessageId,
            status,
            timestamp: unixSeconds(this.options.clock.now()),
            recipient_id: message.userId,
            ...(status === 'read' ? {} : { pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } }),
          },
        ],
      },
    );
    const answer: WebhookAnswer = await postSignedWebhook(baseUrl, envelope, tenant.appSecret ?? this.appSecret, this.#stopping.signal);
    if (answer.status !== 200) throw new Error(`POST /webhook answered ${answer.status} to the ${status} status`);
  }
}

/** Reply button and list row ids an outbound interactive message offers. */
export function offeredIds(body: Record<string, unknown>): string[] {
  const interactive = body['interactive'] as { action?: { buttons?: Array<{ reply?: { id?: unknown } }>; sections?: Array<{ rows?: Array<{ id?: unknown }> }> } } | undefined;
  const action = interactive?.action;
  if (!action) return [];
  const buttons = (action.buttons ?? []).map((button) => button.reply?.id);
  const rows = (action.sections ?? []).flatMap((section) => (section.rows ?? []).map((row) => row.id));
  return [...buttons, ...rows].filter((id): id is string => typeof id === 'string');
}

function refusal(error: GraphError): { status: number; json: unknown } {
  return { status: error.httpStatus, json: graphErrorBody(error) };
}

function key(tenantId: string, id: string): string {
  return `${tenantId}\u0000${id}`;
}

function bounded<V>(map: Map<string, V>, mapKey: string, value: V, max: number): void {
  map.set(mapKey, value);
  while (map.size > max) map.delete(map.keys().next().value!);
}

function sameSecret(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
