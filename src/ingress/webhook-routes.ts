import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../shared/logger.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { Metrics } from '../ops/index.js';
import { isEnvelope } from './parse-envelope.js';
import { verifySignature } from './verify-signature.js';
import type { WebhookIntake } from './webhook-intake.js';

export interface WebhookOptions {
  tenants: () => TenantRegistry;
  /** Where a verified envelope is stored before its 200. */
  intake: WebhookIntake;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  verifyToken: string | undefined;
}

/** Meta's bodies can reach 3 MB; leave room. */
const BODY_LIMIT = 8 * 1024 * 1024;

/** GET /webhook (Meta's handshake) and POST /webhook (verify, check the envelope's shape, store, 200). */
export async function webhookRoutes(app: FastifyInstance, options: WebhookOptions): Promise<void> {
  const { clock, log, metrics } = options;

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
    const text = raw.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      metrics.webhookRequests.inc({ outcome: 'not_json' });
      return reply.code(400).send({ error: 'WEBHOOK_NOT_JSON', message: 'the body is not JSON' });
    }
    if (!isEnvelope(body)) {
      metrics.webhookRequests.inc({ outcome: 'not_envelope' });
      return reply.code(400).send({ error: 'WEBHOOK_NOT_ENVELOPE', message: 'expected {"object":"whatsapp_business_account","entry":[...]}' });
    }
    // Any failure here is a 500: Meta redelivers, and the unique message ids make the retry safe.
    await options.intake.accept(body, text, clock.now());
    metrics.webhookRequests.inc({ outcome: 'accepted' });
    return reply.code(200).type('text/plain').send('OK');
  });
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
