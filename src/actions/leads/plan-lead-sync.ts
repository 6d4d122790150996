import type { LeadFieldName } from '../../config/index.js';
import type { JobRequest } from '../../ports/job-queue.js';
import type { LeadStore } from '../../ports/lead-store.js';
import { integrationJob } from '../integrations/integration-job.js';
import { leadAsJson, missingLeadFields } from './lead-progress.js';

/**
 * Whether the user's lead should go to the CRM now, as a job for the turn's commit: when it is
 * complete, or on escalation whatever it holds, and only if the CRM has not acknowledged this version.
 * Decided from stored state, so a turn re-run after a crash decides the same.
 */
export async function planLeadSync(
  leads: LeadStore,
  options: { tenantId: string; userId: string; required: readonly LeadFieldName[]; reason: 'qualified' | 'escalated'; now: number },
): Promise<JobRequest | null> {
  const lead = await leads.get(options.tenantId, options.userId);
  if (!lead || (lead.syncedVersion ?? 0) >= lead.version) return null;
  const missing = missingLeadFields(lead.fields, options.required);
  if (options.reason === 'qualified' && missing.length > 0) return null;
  const body = {
    event: options.reason === 'qualified' ? 'lead.qualified' : 'lead.escalated',
    tenant_id: options.tenantId,
    user_id: options.userId,
    lead: leadAsJson(lead.fields),
    complete: missing.length === 0,
    missing,
    version: lead.version,
    updated_at: new Date(lead.updatedAt).toISOString(),
  };
  return integrationJob(
    {
      tenantId: options.tenantId,
      integration: 'crm',
      request: { method: 'POST', path: '/leads', body, idempotencyKey: `lead:${options.tenantId}:${options.userId}:v${lead.version}` },
      onSuccess: { kind: 'lead_synced', userId: options.userId, version: lead.version },
    },
    `lead:${options.userId}`,
    options.now,
  );
}
