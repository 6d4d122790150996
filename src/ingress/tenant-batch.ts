import type { TenantMessage, TenantStatus } from '../ports/inbox.js';
import type { ParsedEnvelope } from '../ports/inbound.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { Metrics } from '../ops/index.js';

export interface TenantBatchReporting {
  log: Logger;
  metrics: Metrics;
}

/**
 * The messages and statuses of a parsed envelope, each with its tenant (a map look-up by phone number id) and a
 * message's turn due at `receivedAtMs` + the tenant's debounce. Unknown numbers are counted and logged, not kept.
 */
export function toTenantBatch(
  envelope: ParsedEnvelope,
  registry: TenantRegistry,
  receivedAtMs: number,
  { log, metrics }: TenantBatchReporting,
): { messages: TenantMessage[]; statuses: TenantStatus[] } {
  const messages: TenantMessage[] = [];
  for (const message of envelope.messages) {
    const tenant = registry.byPhoneNumberId(message.phoneNumberId);
    if (!tenant) {
      // Meta retries any non-2xx for days, so an unknown number is counted, logged and was still answered 200.
      metrics.unknownPhoneNumber.inc();
      log.warn({ phoneNumberId: message.phoneNumberId, waMessageId: message.waMessageId, from: maskPhone(message.userId) }, 'message.unknown_phone_number_id');
      continue;
    }
    messages.push({ ...message, tenantId: tenant.id, turnDueAt: receivedAtMs + tenant.debounceMs });
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
  return { messages, statuses };
}
