import path from 'node:path';
import type { LeadFieldName } from '../config/index.js';
import type { Tool, ToolContext } from '../engine/index.js';
import { FollowUpPlanner } from '../followups/index.js';
import type { FollowUpLog } from '../ports/follow-up-log.js';
import type { AppointmentStore } from '../ports/appointment-store.js';
import type { ConversationStore, MailboxMessage } from '../ports/conversation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobRequest } from '../ports/job-queue.js';
import type { LeadFields, LeadStore } from '../ports/lead-store.js';
import type { OrderStore } from '../ports/order-store.js';
import { phoneDigits } from '../shared/phone.js';
import type { Logger } from '../shared/logger.js';
import type { Tenant } from '../tenancy/index.js';
import { actionTextsFor } from './action-texts.js';
import { appointmentTools, describeAppointments } from './appointments/appointment-tools.js';
import { builtinCalendar, httpCalendar, type CalendarBackend } from './appointments/calendar-backend.js';
import { runHook } from './hooks/run-hook.js';
import { loadHooks } from './hooks/load-hooks.js';
import type { TenantHooks } from './hooks/tenant-hooks.js';
import type { IntegrationClient } from './integrations/integration-client.js';
import { integrationTarget } from './integrations/integration-job.js';
import { leadAsJson, missingLeadFields } from './leads/lead-progress.js';
import { planLeadSync } from './leads/plan-lead-sync.js';
import { statesPrice } from './leads/states-price.js';
import { updateLeadTool } from './leads/update-lead-tool.js';
import { loadCatalogueFile } from './orders/catalogue.js';
import { builtinInventory, erpInventory, type InventorySource } from './orders/inventory-source.js';
import { parseMinorUnits } from './orders/money.js';
import { orderTools } from './orders/order-tools.js';
import { decideOrder, type OrderDecision } from './orders/decide-order.js';
import { reviewOrderAction, type ReviewDecisionResult } from './orders/review-order-action.js';

/** The stores and clients every tenant's actions share; each call passes the tenant id. */
export interface ActionServices {
  leads: LeadStore;
  appointments: AppointmentStore;
  orders: OrderStore;
  conversations: ConversationStore;
  integrations: IntegrationClient;
  followUps: FollowUpLog;
  log: Logger;
  /** Live events for the operators' screens (an order waiting for review). */
  events?: EventBus;
}

/** What one tenant's configuration turns on: its tools, hooks, guardrails and the records the model is told about. */
export interface TenantActions {
  /** Only the tools the tenant file lists: a tool that is not listed is never offered to the model. */
  tools: Tool[];
  hooks: TenantHooks | undefined;
  /** The tenant's follow-up rules as jobs to schedule or cancel. */
  followUps: FollowUpPlanner;
  /** Lines for the system prompt about this user's own records (lead, bookings, holds). */
  describeState(userId: string, now: number): Promise<string[]>;
  /** A message that is a staff action (the manager's Approve button), handled by code; null for ordinary messages. */
  handleAction(message: MailboxMessage, senderId: string, now: number): Promise<ReviewDecisionResult | null>;
  /**
   * Approves or rejects an order waiting for review outside WhatsApp (the admin API): the same decision
   * as the manager's button. The caller writes the returned outbox drafts and schedules the jobs.
   */
  decideOrder(orderId: string, decision: 'confirmed' | 'rejected', by: { userId: string; messageId: string }, now: number): Promise<OrderDecision | null>;
  /** Whether a lead profile has every field the tenant requires (`tools.update_lead.required`). */
  isLeadComplete(fields: LeadFields): boolean;
  /**
   * Jobs the end of a turn calls for: the lead to the CRM when complete (or on escalation whatever it
   * holds), the lead-captured follow-up once, and the idle follow-up counted from the user's last message.
   */
  finishTurn(userId: string, now: number, reason: 'qualified' | 'escalated', lastInboundAt: number | null): Promise<JobRequest[]>;
  /** The guardrails on a reply: a price from a no-prices tenant is withheld and an agent offered. */
  guardReply(text: string): { text: string; withheld: 'price' | null };
}

/**
 * Builds a tenant's actions from its file. Fails (naming the file) when its catalogue or hooks module
 * cannot be loaded, like any other invalid tenant file.
 */
export async function buildTenantActions(tenant: Tenant, services: ActionServices): Promise<TenantActions> {
  const { config } = tenant;
  const { tools: enabled } = config;
  const { language, timezone } = config;
  const log = services.log.child({ tenantId: tenant.id });
  const hooks = config.hooks ? await loadHooks(tenant.file, config.hooks) : undefined;
  const tools: Tool[] = [];
  const followUps = new FollowUpPlanner(tenant.id, config.follow_ups, config.quiet_hours, timezone);

  const required: readonly LeadFieldName[] = enabled.update_lead?.required ?? [];
  if (enabled.update_lead) {
    const tool = updateLeadTool(services.leads, required);
    tools.push({
      ...tool,
      async run(input, context) {
        const result = (await tool.run(input, context)) as { profile: Record<string, unknown>; complete: boolean };
        await runHook(hooks, 'onLead', { tenantId: tenant.id, userId: context.userId, lead: result.profile, complete: result.complete }, log);
        return result;
      },
    });
  }

  let calendar: CalendarBackend | null = null;
  const calendarTarget = integrationTarget(config, 'calendar');
  if (config.calendar) calendar = builtinCalendar(config.calendar, timezone, services.appointments);
  else if (calendarTarget) calendar = httpCalendar(calendarTarget, services.integrations, timezone, '15m', services.appointments);
  if (calendar) {
    const offered = appointmentTools({ appointments: services.appointments, calendar, timezone, language, maxSlots: enabled.find_slots?.max_results ?? 8, followUps });
    tools.push(...offered.filter((tool) => tool.name in enabled));
  }

  let inventory: InventorySource | null = null;
  const erpTarget = integrationTarget(config, 'erp');
  let currency = config.rules.currency ?? 'USD';
  if (config.catalogue) {
    const file = path.resolve(path.dirname(tenant.file), config.catalogue.file);
    currency = config.rules.currency ?? config.catalogue.currency;
    inventory = builtinInventory(loadCatalogueFile(file, config.catalogue.currency), services.orders);
  } else if (erpTarget) {
    inventory = erpInventory(erpTarget, services.integrations);
  }
  const reviewerUserId = config.rules.order_review_notify ? phoneDigits(config.rules.order_review_notify) : undefined;
  if (inventory) {
    const threshold = config.rules.order_review_threshold;
    const offered = orderTools({
      orders: services.orders,
      inventory,
      language,
      maxResults: enabled.check_inventory?.max_results ?? 10,
      maxLines: enabled.place_order?.max_lines ?? 50,
      reviewThresholdMinor: threshold === undefined ? undefined : parseMinorUnits(String(threshold), currency),
      reviewer: reviewerUserId ? { userId: reviewerUserId, address: { kind: 'phone', value: reviewerUserId } } : undefined,
      erp: erpTarget !== null,
      followUps,
      onOrder: async (order, context: ToolContext) => {
        if (order.status === 'pending_review') {
          services.events?.publish({ type: 'order.pending_review', tenantId: tenant.id, userId: order.userId, orderId: order.id, at: context.now });
        }
        await runHook(
          hooks,
          'onOrder',
          { tenantId: tenant.id, userId: context.userId, order: { id: order.id, status: order.status, totalMinor: order.totalMinor, currency: order.currency, lines: order.lines.map(({ sku, quantity }) => ({ sku, quantity })) } },
          log,
        );
      },
    });
    tools.push(...offered.filter((tool) => tool.name in enabled));
  }
  if (enabled.order_status && !inventory) {
    // order_status needs no catalogue: it reads the tenant's own orders.
    const offered = orderTools({ orders: services.orders, inventory: builtinInventory([], services.orders), language, maxResults: 1, maxLines: 1, reviewThresholdMinor: undefined, reviewer: undefined, erp: false, followUps });
    tools.push(...offered.filter((tool) => tool.name === 'order_status'));
  }

  const priceWithheld = config.guardrails.no_prices_message ?? actionTextsFor(language).priceWithheld;
  return {
    tools,
    hooks,
    followUps,
    async describeState(userId, now) {
      const lines: string[] = [];
      if (enabled.update_lead) {
        const lead = await services.leads.get(tenant.id, userId);
        const missing = missingLeadFields(lead?.fields ?? {}, required);
        lines.push(
          lead
            ? `Lead profile of this user so far: ${JSON.stringify(leadAsJson(lead.fields))}. ${missing.length > 0 ? `Still missing: ${missing.join(', ')}.` : 'Complete.'}`
            : `No lead profile yet; to qualify the user, learn: ${required.join(', ')}.`,
        );
      }
      if (calendar && (enabled.book_appointment || enabled.cancel_appointment || enabled.reschedule_appointment)) {
        const line = await describeAppointments(services.appointments, tenant.id, userId, now, timezone, language);
        if (line) lines.push(line);
      }
      return lines;
    },
    async handleAction(message, senderId, now) {
      if (!message.actionId?.startsWith('sb:')) return null;
      return reviewOrderAction(
        { orders: services.orders, conversations: services.conversations },
        { tenantId: tenant.id, language, reviewerUserId, erp: erpTarget !== null, followUps },
        { id: message.id, actionId: message.actionId, senderId },
        now,
      );
    },
    decideOrder(orderId, decision, by, now) {
      return decideOrder(
        { orders: services.orders, conversations: services.conversations },
        { tenantId: tenant.id, language, erp: erpTarget !== null, followUps },
        { orderId, decision, by },
        now,
      );
    },
    isLeadComplete(fields) {
      return missingLeadFields(fields, required).length === 0;
    },
    async finishTurn(userId, now, reason, lastInboundAt) {
      const jobs: JobRequest[] = [];
      if (enabled.update_lead && integrationTarget(config, 'crm')) {
        const job = await planLeadSync(services.leads, { tenantId: tenant.id, userId, required, reason, now });
        if (job) jobs.push(job);
      }
      if (enabled.update_lead && followUps.has('lead_captured')) {
        const lead = await services.leads.get(tenant.id, userId);
        if (lead && missingLeadFields(lead.fields, required).length === 0) {
          for (const job of followUps.jobs('lead_captured', { userId, subjectId: userId, anchorAt: now }, now)) {
            const occurrence = FollowUpPlanner.occurrence({ tenantId: tenant.id, ruleId: String(job.payload['ruleId']), subjectId: userId, trigger: 'lead_captured', anchorAt: now });
            if (!(await services.followUps.has(tenant.id, occurrence))) jobs.push(job);
          }
        }
      }
      if (reason === 'qualified' && lastInboundAt !== null) {
        jobs.push(...followUps.jobs('conversation_idle', { userId, subjectId: userId, anchorAt: lastInboundAt }, now));
      }
      return jobs;
    },
    guardReply(text) {
      if (config.guardrails.no_prices && statesPrice(text)) return { text: priceWithheld, withheld: 'price' };
      return { text, withheld: null };
    },
  };
}
