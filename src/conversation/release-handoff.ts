import type { Clock } from '../ports/clock.js';
import type { ConversationStore } from '../ports/conversation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { JobQueue } from '../ports/job-queue.js';
import { jobKeys } from '../ports/job-keys.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';

/**
 * The automatic end of human mode: when nobody wrote for `escalation.release_after`, the bot takes
 * the conversation back; when someone did, the check moves to the new idle deadline.
 */
export async function releaseIdleHandoff(
  deps: { conversations: ConversationStore; queue: JobQueue; tenants: () => TenantRegistry; clock: Clock; log: Logger; events?: EventBus },
  tenantId: string,
  userId: string,
): Promise<'released' | 'rescheduled' | 'not_in_human_mode'> {
  const tenant = deps.tenants().byId(tenantId);
  const conversation = await deps.conversations.get(tenantId, userId);
  if (!tenant || !conversation || conversation.mode !== 'human') return 'not_in_human_mode';
  const now = deps.clock.now();
  const deadline = conversation.lastActivityAt + tenant.releaseAfterMs;
  if (now < deadline) {
    await deps.queue.schedule({
      name: 'handoff.release',
      tenantId,
      key: jobKeys.release(tenantId, userId),
      payload: { tenantId, userId },
      runAt: deadline,
      onExisting: 'replace',
    });
    return 'rescheduled';
  }
  if (await deps.conversations.setMode(tenantId, userId, 'bot', 'idle_release', now)) {
    deps.events?.publish({ type: 'conversation.mode_changed', tenantId, userId, mode: 'bot', reason: 'idle_release', at: now });
  }
  deps.log.info({ tenantId, userId: maskPhone(userId) }, 'handoff.released');
  return 'released';
}
