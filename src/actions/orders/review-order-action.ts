import type { FollowUpPlanner } from '../../followups/index.js';
import type { JobRequest } from '../../ports/job-queue.js';
import type { ConversationStore } from '../../ports/conversation-store.js';
import type { OutboxDraft } from '../../ports/outbox.js';
import type { OrderStore } from '../../ports/order-store.js';
import { actionTextsFor } from '../action-texts.js';
import { formatMoney } from './money.js';
import { erpOrderJob, REVIEW_ACTION } from './order-tools.js';

export interface ReviewDecisionResult {
  outbox: OutboxDraft[];
  jobs: JobRequest[];
  decided: { orderId: string; status: string; changed: boolean } | null;
}

/**
 * The manager pressed Approve or Reject on a review request: an ordinary webhook from the manager's
 * number, carrying the button id. The order moves once; the customer and the manager are told with
 * outbox keys derived from the order, so a re-run of this turn sends nothing twice. Presses from any
 * other number are not decisions (null: the message is an ordinary one).
 */
export async function reviewOrderAction(
  deps: { orders: OrderStore; conversations: ConversationStore },
  options: { tenantId: string; language: string; reviewerUserId: string | undefined; erp: boolean; followUps?: FollowUpPlanner },
  message: { id: string; actionId: string | null; senderId: string },
  now: number,
): Promise<ReviewDecisionResult | null> {
  const match = message.actionId ? REVIEW_ACTION.exec(message.actionId) : null;
  if (!match || options.reviewerUserId === undefined || message.senderId !== options.reviewerUserId) return null;
  const decision = match[1] === 'approve' ? 'confirmed' : 'rejected';
  const orderId = match[2]!;
  const texts = actionTextsFor(options.language);
  const reviewer = await deps.conversations.get(options.tenantId, message.senderId);
  const reviewerAddress = reviewer?.address ?? { kind: 'phone' as const, value: message.senderId };
  const toReviewer = (key: string, text: string): OutboxDraft => ({
    tenantId: options.tenantId,
    recipientId: message.senderId,
    address: reviewerAddress,
    kind: 'agent_message',
    idempotencyKey: `${options.tenantId}:order:${orderId}:${key}`,
    body: { type: 'text', text: { body: text, preview_url: false } },
  });
  const result = await deps.orders.decide(options.tenantId, orderId, decision, { userId: message.senderId, messageId: message.id }, now);
  if (!result) return { outbox: [toReviewer(`unknown:${message.id}`, `${orderId}: ?`)], jobs: [], decided: null };
  const { order } = result;
  const ours = order.decidedByMessage === message.id;
  if (!ours) {
    return { outbox: [toReviewer(`already:${message.id}`, texts.managerAlreadyDecided(order.id, order.status))], jobs: [], decided: { orderId, status: order.status, changed: false } };
  }
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
    toReviewer('decision:ack', texts.managerDecided(order.id, order.status === 'confirmed' ? 'confirmed' : 'rejected')),
  ];
  const jobs = order.status === 'confirmed' && options.erp ? [erpOrderJob(order, now)] : [];
  if (order.status === 'confirmed' && options.followUps) {
    // Anchored to the decision, stored on the order: a re-run of this turn schedules the same jobs.
    jobs.push(...options.followUps.jobs('order_confirmed', { userId: order.userId, subjectId: order.id, anchorAt: order.updatedAt }, now));
  }
  return { outbox, jobs, decided: { orderId, status: order.status, changed: result.changed } };
}
