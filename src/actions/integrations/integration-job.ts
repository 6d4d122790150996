import type { TenantConfig } from '../../config/index.js';
import type { JobRequest } from '../../ports/job-queue.js';
import type { LeadStore } from '../../ports/lead-store.js';
import { SwitchboardError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/durations.js';
import type { Logger } from '../../shared/logger.js';
import type { IntegrationClient, IntegrationRequest, IntegrationTarget } from './integration-client.js';

export type IntegrationName = IntegrationTarget['name'];

/** The payload of an `integration.call` job: one write to a business's own system. */
export interface IntegrationCallPayload {
  tenantId: string;
  integration: IntegrationName;
  request: IntegrationRequest & { idempotencyKey: string };
  /** What to record once the system acknowledged the write. */
  onSuccess?: { kind: 'lead_synced'; userId: string; version: number };
}

/**
 * A durable write to a CRM, calendar or ERP: it runs after the turn's commit, with retries and
 * back-off, and ends in the dead letters when it keeps failing. `key` names the thing written, so a
 * newer write of the same thing (a lead's next version) replaces one still waiting.
 */
export function integrationJob(payload: IntegrationCallPayload, key: string, runAt: number): JobRequest {
  return {
    name: 'integration.call',
    tenantId: payload.tenantId,
    key: `integration:${payload.integration}:${payload.tenantId}:${key}`,
    payload: payload as unknown as Record<string, unknown>,
    runAt,
    onExisting: 'replace',
  };
}

/** The tenant's settings for one integration, as the client takes them; null when not configured. */
export function integrationTarget(config: TenantConfig, name: IntegrationName): IntegrationTarget | null {
  const settings = config.integrations[name];
  return settings ? { name, url: settings.url, secret: settings.secret, timeoutMs: parseDuration(settings.timeout) } : null;
}

/** Runs one `integration.call` job; throws (retryable or not, as the client decided) when it failed. */
export async function runIntegrationCall(
  deps: { client: IntegrationClient; leads: LeadStore; config: (tenantId: string) => TenantConfig | undefined; now: () => number; log: Logger },
  payload: IntegrationCallPayload,
): Promise<void> {
  const config = deps.config(payload.tenantId);
  const target = config ? integrationTarget(config, payload.integration) : null;
  if (!target) {
    throw new SwitchboardError({
      code: 'INTEGRATION_NOT_CONFIGURED',
      message: `${payload.tenantId}: integrations.${payload.integration} is no longer configured; the write ${payload.request.method} ${payload.request.path} was not sent`,
    });
  }
  const { onSuccess } = payload;
  if (onSuccess?.kind === 'lead_synced') {
    const lead = await deps.leads.get(payload.tenantId, onSuccess.userId);
    if (lead && (lead.syncedVersion ?? 0) >= onSuccess.version) return; // already acknowledged: a re-run after a crash
  }
  await deps.client.call(target, payload.request);
  if (onSuccess?.kind === 'lead_synced') await deps.leads.markSynced(payload.tenantId, onSuccess.userId, onSuccess.version, deps.now());
  deps.log.info({ tenantId: payload.tenantId, integration: payload.integration, path: payload.request.path }, 'integration.called');
}
