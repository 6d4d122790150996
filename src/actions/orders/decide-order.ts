import type { FollowUpPlanner } from '../../followups/index.js';
import type { ConversationStore } from '../../ports/conversation-store.js';
import type { JobRequest } from '../../ports/job-queue.js';
import type { Order, OrderStore } from '../../ports/order-store.js';
import type { OutboxDraft } from '../../ports/outbox.js';
import { actionTextsFor } from '../action-texts.js';
import { formatMoney } from './money.js';
import { erpOrderJob } from './order-tools.js';

export interface OrderDecision {
  order: Order;
  /** True when this call moved the order (false for a re-run of the same decision). */
  changed: boolean;
  /** The order carries this decision (made with this message id): its effects below are due. */
  ours: boolean;
  /** The customer's message; empty unless `ours`. Keys derive from the order, so a re-run sends nothing twice. */
  outbox: OutboxDraft[];
  /** A confirmation's ERP write and `order_confirmed` follow-ups; empty unless `ours`. */
  jobs: JobRequest[];
}

/**
 * Approves or rejects an order waiting for review, once: the decision of the manager's WhatsApp button
 * and of the admin API alike. `by.messageId` identifies the decision (the button press, the API call);
 * when the order was decided otherwise, `ours` is false and nothing is due. Null when there is no order.
 */
export async function decideOrder(
  deps: { orders: OrderStore; conversations: ConversationStore },
  options: { tenantId: string; language: string; erp: boolean; followUps?: FollowUpPlanner },
  request: { orderId: string; decision: 'confirmed' | 'rejected'; by: { userId: string; messageId: string } },
  now: number,
): Promise<OrderDecision | null> {
  const result = await deps.orders.decide(options.tenantId, request.orderId, request.decision, request.by, now);
  if (!result) return null;
  const { order } = result;
  if (order.decidedByMessage !== request.by.messageId) return { order, changed: false, ours: false, outbox: [], jobs: [] };
  const texts = actionTextsFor(options.language);
  const customer = await deps.conversations.get(options.tenantId, order.userId);
  const total = formatMoney(order.totalMinor, order.currency, options.language);
  const outbox: OutboxDraft[] = [
    {
      tenantId: options.tenantId,
      recipientId: order.userId,
      address: customer?.address ?? { kind: 'phone', value: order.userId },
      kind: 'reply',
      idempotencyKey: `${options.tenantId}:order:${order.id}:decision`,
      body: { type: 'text', text: { body: order.status === 'confirmed' ? texts.orderApproved(order.id, total) : texts.orderRejected(order.id), preview_url: false } },
    },
  ];
  const jobs = order.status === 'confirmed' && options.erp ? [erpOrderJob(order, now)] : [];
  if (order.status === 'confirmed' && options.followUps) {
    // Anchored to the decision, stored on the order: a re-run of this decision schedules the same jobs.
    jobs.push(...options.followUps.jobs('order_confirmed', { userId: order.userId, subjectId: order.id, anchorAt: order.updatedAt }, now));
  }
  return { order, changed: result.changed, ours: true, outbox, jobs };
}
