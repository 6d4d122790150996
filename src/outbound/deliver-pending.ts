import type { Clock } from '../ports/clock.js';
import type { Outbox } from '../ports/outbox.js';
import { SwitchboardError, describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import type { Metrics } from '../ops/index.js';
import type { GraphClient } from './graph-client.js';

export interface DeliverDependencies {
  outbox: Outbox;
  graph: GraphClient;
  tenants: () => TenantRegistry;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

/**
 * Sends one recipient's pending messages, oldest first. A retryable failure stops the run and is
 * thrown, so the job retries later with the remaining messages still in order; a permanent one
 * (131047, 131026, a bad token...) marks that message failed and goes on with the next.
 */
export async function deliverPending(deps: DeliverDependencies, tenantId: string, recipientId: string): Promise<number> {
  const { outbox, graph, clock, log, metrics } = deps;
  const tenant = deps.tenants().byId(tenantId);
  let sent = 0;
  for (;;) {
    const batch = await outbox.pending(tenantId, recipientId, BATCH);
    if (batch.length === 0) return sent;
    for (const message of batch) {
      if (!tenant || !tenant.accessToken) {
        const detail = tenant ? 'whatsapp.access_token is unset for this tenant' : 'the tenant no longer exists';
        await outbox.markFailed(tenantId, message.id, { code: null, detail }, clock.now());
        metrics.outbound.inc({ tenant: tenantId, outcome: 'failed' });
        log.error({ tenantId, outboxId: message.id, detail }, 'message.send_impossible');
        continue;
      }
      try {
        const { waMessageId } = await graph.sendMessage(tenant.config.whatsapp.phone_number_id, tenant.accessToken, {
          to: message.address,
          body: message.body,
          ...(message.contextMessageId ? { contextMessageId: message.contextMessageId } : {}),
        });
        // The one unavoidable duplicate window: a crash between Meta's 200 and this single write.
        await outbox.markSent(tenantId, message.id, waMessageId, clock.now());
        sent += 1;
        metrics.outbound.inc({ tenant: tenantId, outcome: 'sent' });
        log.info({ tenantId, outboxId: message.id, kind: message.kind, to: maskPhone(recipientId), waMessageId }, 'message.sent');
      } catch (error) {
        const { code, message: detail } = describeError(error);
        const graphCode = error instanceof SwitchboardError ? (error.details?.['graphCode'] as number | null | undefined) ?? null : null;
        if (error instanceof SwitchboardError && !error.retryable) {
          await outbox.markFailed(tenantId, message.id, { code: graphCode, detail }, clock.now());
          metrics.outbound.inc({ tenant: tenantId, outcome: 'failed' });
          log.warn({ tenantId, outboxId: message.id, code, graphCode, to: maskPhone(recipientId) }, 'message.send_failed');
          continue;
        }
        await outbox.recordAttempt(tenantId, message.id, detail, clock.now());
        metrics.outbound.inc({ tenant: tenantId, outcome: 'retried' });
        log.warn({ tenantId, outboxId: message.id, code, graphCode }, 'message.send_retrying');
        throw error;
      }
    }
    if (batch.length < BATCH) return sent;
  }
}

const BATCH = 20;
