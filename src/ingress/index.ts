export { webhookRoutes, type WebhookOptions } from './webhook-routes.js';
export { verifySignature } from './verify-signature.js';
export { isEnvelope, parseEnvelope } from './parse-envelope.js';
export type { OnStored, WebhookIntake } from './webhook-intake.js';
export { DirectIntake } from './direct-intake.js';
export { JournalIntake } from './journal-intake.js';
export { JournalDrainer } from './journal-drainer.js';
