export { webhookRoutes, type WebhookOptions } from './webhook-routes.js';
export { verifySignature } from './verify-signature.js';
export { parseEnvelope } from './parse-envelope.js';
