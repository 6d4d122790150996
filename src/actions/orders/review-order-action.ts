import type { FollowUpPlanner } from '../../followups/index.js';
import type { JobRequest } from '../../ports/job-queue.js';
import type { ConversationStore } from '../../ports/conversation-store.js';
import type { OutboxDraft } from '../../ports/outbox.js';
import type { OrderStore } from '../../ports/order-store.js';
import { actionTextsFor } from '../action-texts.js';
import { decideOrder } from './decide-order.js';
import { REVIEW_ACTION } from './order-tools.js';

export interface ReviewDecisionResult {
  outbox: OutboxDraft[];
  jobs: JobRequest[];
  /** `userId` is the customer who placed the order. */
  decided: { orderId: string; status: string; changed: boolean; userId: string } | null;
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
  const result = await decideOrder(deps, options, { orderId, decision, by: { userId: message.senderId, messageId: message.id } }, now);
  if (!result) return { outbox: [toReviewer(`unknown:${message.id}`, `${orderId}: ?`)], jobs: [], decided: null };
  const { order } = result;
  if (!result.ours) {
    return {
      outbox: [toReviewer(`already:${message.id}`, texts.managerAlreadyDecided(order.id, order.status))],
      jobs: [],
      decided: { orderId, status: order.status, changed: false, userId: order.userId },
    };
  }
  const outbox = [...result.outbox, toReviewer('decision:ack', texts.managerDecided(order.id, order.status === 'confirmed' ? 'confirmed' : 'rejected'))];
  return { outbox, jobs: result.jobs, decided: { orderId, status: order.status, changed: result.changed, userId: order.userId } };
}
