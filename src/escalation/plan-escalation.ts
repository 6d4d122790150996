import type { Conversation } from '../ports/conversation-store.js';
import type { OutboxDraft } from '../ports/outbox.js';
import type { Tenant } from '../tenancy/index.js';
import { textsFor, type EscalationTrigger, type RecentMessage } from './default-texts.js';

/** WhatsApp's customer-service window: free-form messages only within 24 h of the person's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface EscalationPlan {
  /** The text told to the user (also kept in the memory as the assistant's turn). */
  userText: string;
  drafts: OutboxDraft[];
  /** True when the agent notification falls back to text although the agent's window looks closed. */
  agentWindowClosed: boolean;
}

/**
 * What an escalation sends: the tenant's escalation text (or the fallback text when the model failed)
 * to the user, and a notification to the human agent — as text inside the agent's 24-hour window, as
 * `escalation.notify_template` outside it.
 */
export function planEscalation(input: {
  tenant: Tenant;
  conversation: Conversation;
  trigger: EscalationTrigger;
  recent: RecentMessage[];
  turnId: string;
  agentLastInboundAt: number | null;
  now: number;
  replyTo?: string;
}): EscalationPlan {
  const { tenant, conversation, trigger, turnId, now } = input;
  const texts = textsFor(tenant.config.language);
  const userText =
    trigger.kind === 'model_failure'
      ? tenant.config.ai.fallback_message ?? texts.fallbackMessage
      : tenant.config.escalation.message ?? texts.escalationMessage;
  const drafts: OutboxDraft[] = [
    {
      tenantId: tenant.id,
      recipientId: conversation.userId,
      address: conversation.address,
      kind: trigger.kind === 'model_failure' ? 'fallback' : 'escalation',
      idempotencyKey: `${turnId}:user`,
      body: textBody(userText),
      ...(input.replyTo ? { contextMessageId: input.replyTo } : {}),
    },
  ];
  let agentWindowClosed = false;
  const agent = tenant.agent;
  if (agent && agent.userId !== conversation.userId) {
    const windowOpen = input.agentLastInboundAt !== null && now - input.agentLastInboundAt < SERVICE_WINDOW_MS;
    const template = tenant.config.escalation.notify_template;
    let body: Record<string, unknown>;
    if (!windowOpen && template) {
      body = {
        type: 'template',
        template: {
          name: template.name,
          language: { code: template.language },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: conversation.address.kind === 'phone' ? `+${conversation.userId}` : conversation.userId },
                { type: 'text', text: describeTrigger(trigger) },
              ],
            },
          ],
        },
      };
    } else {
      agentWindowClosed = !windowOpen;
      body = textBody(
        texts.agentNotification({
          businessName: tenant.config.name,
          user: conversation.address,
          contactName: conversation.contactName,
          trigger,
          recentMessages: input.recent,
        }),
      );
    }
    drafts.push({
      tenantId: tenant.id,
      recipientId: agent.userId,
      address: agent.address,
      kind: 'agent_notification',
      idempotencyKey: `${turnId}:agent`,
      body,
    });
  }
  return { userText, drafts, agentWindowClosed };
}

/** A Graph API text body. */
export function textBody(text: string): Record<string, unknown> {
  return { type: 'text', text: { body: text, preview_url: false } };
}

function describeTrigger(trigger: EscalationTrigger): string {
  switch (trigger.kind) {
    case 'keyword':
      return trigger.keyword;
    case 'handoff':
      return trigger.reason ?? 'handoff';
    case 'model_failure':
      return 'model failure';
    default: {
      const unreachable: never = trigger;
      return String(unreachable);
    }
  }
}
