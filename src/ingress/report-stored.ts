import type { AcceptResult, TenantMessage } from '../ports/inbox.js';
import type { TenantBatchReporting } from './tenant-batch.js';

/** Counts the messages of a stored batch per tenant and logs its redeliveries. */
export function reportStored(messages: readonly TenantMessage[], result: AcceptResult, { log, metrics }: TenantBatchReporting): void {
  for (const message of messages) metrics.inboundMessages.inc({ tenant: message.tenantId, outcome: 'received' });
  if (result.duplicates > 0) log.info({ duplicates: result.duplicates }, 'message.duplicate_ignored');
}
