import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../ports/clock.js';
import type { Deduper } from '../ports/deduper.js';
import type { AcceptResult, Inbox, TenantMessage, TenantStatus } from '../ports/inbox.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { Metrics } from '../ops/index.js';
import { parseEnvelope } from './parse-envelope.js';
import { verifySignature } from './verify-signature.js';

export interface WebhookOptions {
  tenants: () => TenantRegistry;
  inbox: Inbox;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  verifyToken: string | undefined;
  /**
   * Called after new messages were stored (wakes an in-process worker), with the batch's messages and
   * the inbox's result: `result.duplicates` of them were redeliveries, stored nothing.
   */
  onAccepted: (messages: readonly TenantMessage[], result: AcceptResult) => void;
  /**
   * A fast pre-check for redeliveries (Redis in scale mode): ids it knows are skipped before the database, and
   * ids are claimed there once committed. The inbox's unique claim stays the truth; a failing deduper is skipped.
   */
  deduper?: Deduper;
}

/** Meta's bodies can reach 3 MB; leave room. */
const BODY_LIMIT = 8 * 1024 * 1024;

/** GET /webhook (Meta's handshake) and POST /webhook (verify, store, 200). */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const { inbox, clock, log, metrics } = options;

  // The signature is over the raw bytes, so the body stays a Buffer until it is verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.get('/webhook', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const mode = query['hub.mode'];
    const token = query['hub.verify_token'];
    const challenge = query['hub.challenge'];
    if (mode === 'subscribe' && token !== undefined && challenge !== undefined && options.verifyToken && sameText(token, options.verifyToken)) {
      log.info('webhook.verified');
      return reply.type('text/plain').send(challenge);
    }
    log.warn({ mode, configured: Boolean(options.verifyToken) }, 'webhook.verification_refused');
    return reply.code(403).type('text/plain').send('Forbidden');
  });

  app.post('/webhook', async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const registry = options.tenants();
    const signature = request.headers['x-hub-signature-256'];
    if (!verifySignature(raw, typeof signature === 'string' ? signature : undefined, registry.appSecrets)) {
      metrics.webhookRequests.inc({ outcome: 'signature_invalid' });
      log.warn({ hasHeader: signature !== undefined, bytes: raw.length }, 'webhook.signature_invalid');
      return reply.code(401).send({ error: 'SIGNATURE_INVALID', message: 'X-Hub-Signature-256 does not match any configured app secret' });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      metrics.webhookRequests.inc({ outcome: 'not_json' });
      return reply.code(400).send({ error: 'WEBHOOK_NOT_JSON', message: 'the body is not JSON' });
    }
    const envelope = parseEnvelope(body);
    if (!envelope) {
      metrics.webhookRequests.inc({ outcome: 'not_envelope' });
      return reply.code(400).send({ error: 'WEBHOOK_NOT_ENVELOPE', message: 'expected {"object":"whatsapp_business_account","entry":[...]}' });
    }
    const now = clock.now();
    const messages: Array<TenantMessage & { known?: boolean }> = [];
    for (const message of envelope.messages) {
      const tenant = registry.byPhoneNumberId(message.phoneNumberId);
      if (!tenant) {
        // Meta retries any non-2xx for days, so an unknown number is counted, logged and still answered 200.
        metrics.unknownPhoneNumber.inc();
        log.warn({ phoneNumberId: message.phoneNumberId, waMessageId: message.waMessageId, from: maskPhone(message.userId) }, 'message.unknown_phone_number_id');
        continue;
      }
      messages.push({ ...message, tenantId: tenant.id, turnDueAt: now + tenant.debounceMs });
    }
    const statuses: TenantStatus[] = [];
    for (const status of envelope.statuses) {
      const tenant = registry.byPhoneNumberId(status.phoneNumberId);
      if (!tenant) {
        metrics.unknownPhoneNumber.inc();
        continue;
      }
      statuses.push({ ...status, tenantId: tenant.id });
    }
    for (const error of envelope.errors) log.warn(error, 'webhook.meta_error');
    const known = await knownRedeliveries(options, messages);
    const fresh = known === 0 ? messages : messages.filter((message) => !message.known);
    // Any failure here is a 500: Meta redelivers, and the unique message ids make the retry safe.
    const stored = await inbox.accept({ messages: fresh, statuses });
    const result = known === 0 ? stored : { ...stored, duplicates: stored.duplicates + known };
    if (options.deduper && fresh.length > 0) {
      // Only now that they are committed: a claim before the commit would turn a crash into a lost message.
      const deduper = options.deduper;
      await Promise.all(fresh.map((message) => deduper.claim(message.tenantId, message.waMessageId))).catch((error: unknown) =>
        log.warn(describeError(error), 'dedupe.unavailable'),
      );
    }
    if (result.accepted > 0) options.onAccepted(fresh, result);
    metrics.webhookRequests.inc({ outcome: 'accepted' });
    for (const message of messages) metrics.inboundMessages.inc({ tenant: message.tenantId, outcome: 'received' });
    if (result.duplicates > 0) log.info({ duplicates: result.duplicates }, 'message.duplicate_ignored');
    return reply.code(200).type('text/plain').send('OK');
  });
}

/**
 * Marks the messages the deduper already saw (`known`); returns how many. Their rows were committed before they
 * were claimed, so skipping them loses nothing. A deduper that fails marks none: the database decides.
 */
async function knownRedeliveries(options: WebhookOptions, messages: Array<TenantMessage & { known?: boolean }>): Promise<number> {
  const { deduper } = options;
  if (!deduper || messages.length === 0) return 0;
  try {
    const claimed = await Promise.all(messages.map((message) => deduper.isClaimed(message.tenantId, message.waMessageId)));
    let known = 0;
    claimed.forEach((isClaimed, index) => {
      if (isClaimed) {
        messages[index]!.known = true;
        known += 1;
      }
    });
    return known;
  } catch (error) {
    options.log.warn(describeError(error), 'dedupe.unavailable');
    return 0;
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
