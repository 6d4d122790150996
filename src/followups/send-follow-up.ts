import type { FollowUpRule } from '../config/index.js';
import { SERVICE_WINDOW_MS, textBody } from '../escalation/index.js';
import type { AppointmentStore } from '../ports/appointment-store.js';
import type { Clock } from '../ports/clock.js';
import type { Conversation, ConversationStore } from '../ports/conversation-store.js';
import type { FollowUpLog, FollowUpRecord } from '../ports/follow-up-log.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { LeadStore } from '../ports/lead-store.js';
import type { OrderStore } from '../ports/order-store.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { Tenant, TenantRegistry } from '../tenancy/index.js';
import { fillPlaceholders } from './fill-placeholders.js';
import { followUpKey, FollowUpPlanner, type FollowUpPayload } from './follow-up-planner.js';
import { isQuietTime, nextAllowedTime } from './quiet-hours.js';

export interface FollowUpDependencies {
  tenants: () => TenantRegistry;
  conversations: ConversationStore;
  appointments: AppointmentStore;
  orders: OrderStore;
  leads: LeadStore;
  followUps: FollowUpLog;
  queue: JobQueue;
  clock: Clock;
  log: Logger;
  /** Formats a date and a time in the tenant's zone and language, and money in its language. */
  format: { date(ms: number, tenant: Tenant): string; time(ms: number, tenant: Tenant): string; money(minor: number, currency: string, tenant: Tenant): string };
}

export type FollowUpResult = 'sent' | 'skipped' | 'cancelled' | 'moved' | 'duplicate';

/**
 * Runs one due follow-up. Checks that what it is about still holds (the appointment is still booked
 * at that time, the order not cancelled, the user still silent), waits out quiet hours, then sends the
 * text inside the user's 24-hour window or the template outside it — or records it as skipped when no
 * template is configured, instead of sending something WhatsApp would refuse (131047).
 */
export async function sendFollowUp(deps: FollowUpDependencies, payload: FollowUpPayload): Promise<FollowUpResult> {
  const { clock, log } = deps;
  const now = clock.now();
  const tenant = deps.tenants().byId(payload.tenantId);
  const rule = tenant?.config.follow_ups.find((candidate) => candidate.id === payload.ruleId);
  const key = followUpKey(payload.tenantId, payload.ruleId, payload.subjectId);
  const base: Omit<FollowUpRecord, 'outcome' | 'via' | 'reason' | 'outboxKey'> = {
    key,
    occurrence: FollowUpPlanner.occurrence(payload),
    ruleId: payload.ruleId,
    trigger: payload.trigger,
    userId: payload.userId,
    subjectId: payload.subjectId,
  };
  const skip = async (outcome: 'skipped' | 'cancelled', reason: string): Promise<FollowUpResult> => {
    const recorded = await deps.followUps.record(payload.tenantId, { ...base, outcome, via: null, reason, outboxKey: null }, null, now);
    log.info({ tenantId: payload.tenantId, rule: payload.ruleId, userId: maskPhone(payload.userId), reason }, `followup.${outcome}`);
    return recorded ? outcome : 'duplicate';
  };
  if (!tenant || !rule) return skip('cancelled', 'rule_removed');

  const conversation = await deps.conversations.get(payload.tenantId, payload.userId);
  if (payload.trigger === 'conversation_idle' && conversation?.lastInboundAt !== payload.anchorAt) {
    return skip('cancelled', 'user_wrote_since');
  }
  const values = await subjectValues(deps, tenant, payload, conversation);
  if (typeof values === 'string') return skip('cancelled', values);

  if (isQuietTime(now, tenant.config.quiet_hours, tenant.config.timezone)) {
    const at = nextAllowedTime(now, tenant.config.quiet_hours, tenant.config.timezone);
    // Scheduling the running job's own key makes it run again at `at` once this run completes.
    await deps.queue.schedule({ name: 'followup.send', tenantId: payload.tenantId, key, payload: payload as unknown as Record<string, unknown>, runAt: at, onExisting: 'replace' });
    log.info({ tenantId: payload.tenantId, rule: payload.ruleId, at: new Date(at).toISOString() }, 'followup.quiet_hours');
    return 'moved';
  }
  if (conversation?.mode === 'human') return skip('skipped', 'human_mode');

  const windowOpen = conversation?.lastInboundAt != null && now - conversation.lastInboundAt < SERVICE_WINDOW_MS;
  const text = fillPlaceholders(rule.text, values);
  let body: Record<string, unknown>;
  let via: 'text' | 'template';
  if (windowOpen) {
    body = textBody(text);
    via = 'text';
  } else if (rule.template) {
    body = templateBody(rule, values);
    via = 'template';
  } else {
    return skip('skipped', 'window_closed_no_template');
  }
  const outboxKey = `${base.occurrence}:message`;
  const recorded = await deps.followUps.record(
    payload.tenantId,
    { ...base, outcome: 'sent', via, reason: null, outboxKey },
    {
      draft: {
        tenantId: payload.tenantId,
        recipientId: payload.userId,
        address: conversation?.address ?? { kind: 'phone', value: payload.userId },
        kind: 'reply',
        idempotencyKey: outboxKey,
        body,
      },
      // The user's answer continues the conversation: the model sees what it is answering.
      historyText: text,
    },
    now,
  );
  if (recorded) log.info({ tenantId: payload.tenantId, rule: payload.ruleId, userId: maskPhone(payload.userId), via }, 'followup.sent');
  return recorded ? 'sent' : 'duplicate';
}

/** The placeholder values of a follow-up, read now (a moved appointment shows its new time), or why it no longer applies. */
async function subjectValues(deps: FollowUpDependencies, tenant: Tenant, payload: FollowUpPayload, conversation: Conversation | null): Promise<Record<string, string> | string> {
  const lead = tenant.config.tools.update_lead ? await deps.leads.get(tenant.id, payload.userId) : null;
  const values: Record<string, string> = { business: tenant.config.name, name: lead?.fields.name ?? conversation?.contactName ?? '' };
  switch (payload.trigger) {
    case 'appointment_booked':
    case 'appointment_completed': {
      const appointment = await deps.appointments.get(tenant.id, payload.subjectId);
      if (!appointment || appointment.status !== 'confirmed') return 'appointment_cancelled';
      if (payload.trigger === 'appointment_completed' && appointment.end !== payload.anchorAt) return 'appointment_moved';
      return { ...values, date: deps.format.date(appointment.start, tenant), time: deps.format.time(appointment.start, tenant), appointment_id: appointment.id };
    }
    case 'order_confirmed':
    case 'order_delivered': {
      const order = await deps.orders.get(tenant.id, payload.subjectId);
      if (!order || order.status === 'cancelled' || order.status === 'rejected') return 'order_cancelled';
      if (payload.trigger === 'order_delivered' && order.status !== 'delivered') return 'order_not_delivered';
      return { ...values, order_id: order.id, total: deps.format.money(order.totalMinor, order.currency, tenant) };
    }
    case 'lead_captured':
      return lead ? values : 'lead_missing';
    case 'conversation_idle':
      return values;
    default:
      return assertNever(payload.trigger);
  }
}

/** An approved template with its body parameters filled in. */
function templateBody(rule: FollowUpRule, values: Record<string, string>): Record<string, unknown> {
  const template = rule.template!;
  const parameters = template.parameters.map((parameter) => ({ type: 'text', text: fillPlaceholders(parameter, values) || '-' }));
  return {
    type: 'template',
    template: { name: template.name, language: { code: template.language }, ...(parameters.length > 0 ? { components: [{ type: 'body', parameters }] } : {}) },
  };
}

function assertNever(value: never): never {
  throw new Error(`unexpected trigger ${String(value)}`);
}
