import { runHook, type TenantActions } from '../actions/index.js';
import type { ChatModel } from '../ports/chat-model.js';
import type { Clock } from '../ports/clock.js';
import type { Conversation, ConversationStore, MailboxMessage, ModelCallRecord, TurnCommit } from '../ports/conversation-store.js';
import type { EventBus } from '../ports/event-bus.js';
import type { OutboxDraft } from '../ports/outbox.js';
import { buildSystemPrompt, runToolLoop, TurnEffects, type ToolContext } from '../engine/index.js';
import { compileKeywords, planEscalation, textBody, type EscalationTrigger, type KeywordMatcher } from '../escalation/index.js';
import type { Metrics } from '../ops/index.js';
import { splitText, type GraphClient } from '../outbound/index.js';
import { describeError, SwitchboardError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import { withDeadline } from '../shared/with-deadline.js';
import type { Tenant, TenantRegistry } from '../tenancy/index.js';
import type { ContextCache } from '../ports/context-cache.js';
import type { HistoryEntry } from '../ports/conversation-store.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import { contextWindowFor } from './context-window.js';
import { tokenCapacity } from './turn-limits.js';

export interface TurnDependencies {
  conversations: ConversationStore;
  chat: ChatModel;
  graph: GraphClient;
  tenants: () => TenantRegistry;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** The tenant's tools, hooks and guardrails; undefined for a tenant with none. */
  actions: (tenantId: string) => TenantActions | undefined;
  /** Live events for the operators' screens (escalations, decided orders); none when absent. */
  events?: EventBus;
  /** The hot history windows (read here, kept up to date by the store's commits); the database alone when absent. */
  context?: ContextCache;
  /** Records each model call's tokens against the tenant's daily budget; nothing is counted when absent. */
  limiter?: RateLimiter;
}

export type TurnOutcome = 'idle' | 'replied' | 'escalated' | 'fallback' | 'held' | 'action' | 'unknown_tenant';

const matchers = new WeakMap<Tenant, KeywordMatcher>();

/**
 * One turn of one conversation: every message waiting in its mailbox is answered together.
 * Order of checks: human mode (store, stay silent), escalation keywords (before any model call),
 * then the model; a failed model gives the fallback text and an escalation. The reply is written
 * to the outbox in the same transaction that marks the messages answered.
 */
export async function runTurn(deps: TurnDependencies, tenantId: string, userId: string): Promise<TurnOutcome> {
  const { conversations, clock, log } = deps;
  const tenant = deps.tenants().byId(tenantId);
  if (!tenant) {
    log.warn({ tenantId, userId: maskPhone(userId) }, 'turn.unknown_tenant');
    return 'unknown_tenant';
  }
  const opened = await conversations.openTurn(tenantId, userId, clock.now());
  if (!opened) return 'idle';
  const { conversation } = opened;
  const turnId = newId('turn');
  const now = clock.now();
  const ids = opened.pending.map((message) => message.id);
  const actions = deps.actions(tenantId);
  // Staff actions (a manager's Approve button) are handled by code; the rest is an ordinary turn.
  const effects = new TurnEffects();
  const pending: MailboxMessage[] = [];
  for (const message of opened.pending) {
    const handled = actions ? await actions.handleAction(message, userId, now) : null;
    if (!handled) {
      pending.push(message);
      continue;
    }
    handled.outbox.forEach((draft) => effects.send(draft));
    handled.jobs.forEach((job) => effects.schedule(job));
    log.info({ tenantId, userId: maskPhone(userId), turnId, decided: handled.decided }, 'action.handled');
    // The order moved when decide() returned (its own write); the messages about it follow with this turn.
    const decided = handled.decided;
    if (decided?.changed) deps.events?.publish({ type: 'order.decided', tenantId, userId: decided.userId, orderId: decided.orderId, status: decided.status, at: now });
  }
  if (pending.length === 0) {
    await commit(deps, tenantId, userId, {
      turnId,
      conversation,
      messageIds: ids,
      outcome: 'processed',
      history: [],
      outbox: effects.outbox,
      jobs: effects.jobs,
      cancelJobs: effects.cancelled,
      now,
    });
    deps.metrics.turns.inc({ tenant: tenantId, outcome: 'action' });
    return 'action';
  }
  const userText = pending.map((message) => message.text).join('\n');
  const newest = pending[pending.length - 1]!;
  const isAgent = tenant.agent?.userId === userId;

  if (conversation.mode === 'human' || isAgent) {
    // Humans are handling it (or this is the agent's own number): keep the messages, stay silent.
    await commit(deps, tenantId, userId, {
      turnId,
      conversation,
      messageIds: ids,
      outcome: 'held',
      history: [{ role: 'user', content: userText }],
      outbox: effects.outbox,
      jobs: effects.jobs,
    cancelJobs: effects.cancelled,
      ...(isAgent ? {} : { releaseAt: now + tenant.releaseAfterMs }),
      now,
    });
    deps.metrics.turns.inc({ tenant: tenantId, outcome: 'held' });
    return 'held';
  }

  const fresh = now - conversation.lastActivityAt > tenant.memoryTtlMs;
  const sessionStartedAt = fresh ? now : conversation.sessionStartedAt;
  const base = { turnId, conversation, messageIds: ids, now, effects, ...(fresh ? { sessionStartedAt } : {}) };

  let matcher = matchers.get(tenant);
  if (!matcher) matchers.set(tenant, (matcher = compileKeywords(tenant.config.escalation.keywords)));
  const keyword = matcher.match(userText);
  if (keyword !== null) {
    await escalate(deps, tenant, actions, conversation, { kind: 'keyword', keyword }, base, userText, newest, sessionStartedAt);
    log.info({ tenantId, userId: maskPhone(userId), turnId, trigger: 'keyword' }, 'conversation.escalated');
    deps.metrics.turns.inc({ tenant: tenantId, outcome: 'escalated' });
    return 'escalated';
  }

  showTyping(deps, tenant, newest);
  const history = await readHistory(deps, tenant, userId, sessionStartedAt);
  const started = performance.now();
  let replyText: string;
  let modelCall: ModelCallRecord;
  try {
    const state = actions ? await actions.describeState(userId, now) : [];
    const system = buildSystemPrompt(tenant, now);
    const context: ToolContext = { tenantId, userId, turnKey: pending[0]!.id, turnId, now, effects, log };
    // One deadline for the whole turn, however many tool steps it takes.
    const result = await withDeadline(tenant.model.timeoutMs, (abortSignal) =>
      runToolLoop({
        chat: deps.chat,
        request: {
          tenantId,
          settings: tenant.model,
          system: state.length > 0 ? `${system}\n\nWhat Switchboard's records say about this user (trust these over the conversation):\n${state.join('\n')}` : system,
          messages: [...history.map(({ role, content }) => ({ role, content })), { role: 'user' as const, content: userText }],
          abortSignal,
        },
        tools: actions?.tools ?? [],
        context,
        maxSteps: actions && actions.tools.length > 0 ? tenant.config.ai.max_tool_steps : 1,
      }),
    );
    replyText = result.text;
    modelCall = measureCall(deps, tenant, started, { ok: true, inputTokens: result.inputTokens, outputTokens: result.outputTokens });
    await recordTokens(deps, tenant, modelCall.inputTokens + modelCall.outputTokens);
  } catch (error) {
    const { code, message } = describeError(error);
    log.warn({ tenantId, turnId, code, error: message }, 'model.failed');
    const failedCall = measureCall(deps, tenant, started, { ok: false, errorCode: code });
    await escalate(deps, tenant, actions, conversation, { kind: 'model_failure' }, { ...base, modelCall: failedCall }, userText, newest, sessionStartedAt);
    deps.metrics.turns.inc({ tenant: tenantId, outcome: 'fallback' });
    return 'fallback';
  }

  if (actions) {
    const guarded = actions.guardReply(replyText);
    if (guarded.withheld) {
      log.info({ tenantId, userId: maskPhone(userId), turnId, withheld: guarded.withheld }, 'reply.withheld');
      deps.metrics.turns.inc({ tenant: tenantId, outcome: 'withheld' });
      replyText = guarded.text;
    }
    const replaced = await runHook(actions.hooks, 'beforeReply', { tenantId, userId, text: replyText }, log);
    if (typeof replaced === 'string' && replaced.trim() !== '') replyText = replaced;
    for (const job of await actions.finishTurn(userId, now, 'qualified', conversation.lastInboundAt)) effects.schedule(job);
  }

  const parts = splitText(replyText);
  const outbox: OutboxDraft[] = parts.map((part, index) => ({
    tenantId,
    recipientId: userId,
    address: conversation.address,
    kind: 'reply',
    idempotencyKey: `${turnId}:${index}`,
    body: textBody(part),
  }));
  await commit(deps, tenantId, userId, {
    ...base,
    outcome: 'processed',
    history: [
      { role: 'user', content: userText },
      { role: 'assistant', content: replyText },
    ],
    outbox: [...outbox, ...effects.outbox],
    jobs: effects.jobs,
    cancelJobs: effects.cancelled,
    modelCall,
  });
  deps.metrics.turns.inc({ tenant: tenantId, outcome: 'replied' });
  log.info({ tenantId, userId: maskPhone(userId), turnId, messages: pending.length, parts: parts.length }, 'turn.replied');
  if (actions) await runHook(actions.hooks, 'afterTurn', { tenantId, userId, outcome: 'replied', reply: replyText }, log);
  return 'replied';
}

async function escalate(
  deps: TurnDependencies,
  tenant: Tenant,
  actions: TenantActions | undefined,
  conversation: Conversation,
  trigger: EscalationTrigger,
  base: Pick<TurnCommit, 'turnId' | 'conversation' | 'messageIds' | 'now' | 'sessionStartedAt' | 'modelCall'> & { effects: TurnEffects },
  userText: string,
  newest: MailboxMessage,
  sessionStartedAt: number,
): Promise<void> {
  const agentConversation = tenant.agent ? await deps.conversations.get(tenant.id, tenant.agent.userId) : null;
  const recent = await deps.conversations.history(tenant.id, conversation.userId, sessionStartedAt, tenant.config.escalation.history_in_notification);
  const plan = planEscalation({
    tenant,
    conversation,
    trigger,
    recent: [...recent.map(({ role, content }) => ({ role, text: content })), { role: 'user', text: userText }],
    turnId: base.turnId,
    agentLastInboundAt: agentConversation?.lastInboundAt ?? null,
    now: base.now,
    replyTo: newest.waMessageId,
  });
  if (plan.agentWindowClosed) {
    deps.log.warn({ tenantId: tenant.id }, 'escalation.agent_window_closed_no_template');
  }
  const { effects, ...turn } = base;
  // Whatever the lead holds goes to the CRM with the escalation, so the agent who calls back sees it.
  if (actions) for (const job of await actions.finishTurn(conversation.userId, base.now, 'escalated', null)) effects.schedule(job);
  const committed = await commit(deps, tenant.id, conversation.userId, {
    ...turn,
    outcome: 'processed',
    history: [
      { role: 'user', content: userText },
      { role: 'assistant', content: plan.userText },
    ],
    outbox: [...plan.drafts, ...effects.outbox],
    jobs: effects.jobs,
    cancelJobs: effects.cancelled,
    mode: { mode: 'human', reason: trigger.kind === 'keyword' ? `keyword:${trigger.keyword}` : trigger.kind },
    escalation: {
      kind: trigger.kind === 'keyword' ? 'keyword' : trigger.kind === 'model_failure' ? 'model_error' : 'agent',
      trigger: trigger.kind === 'keyword' ? trigger.keyword : trigger.kind,
    },
    releaseAt: base.now + tenant.releaseAfterMs,
  });
  const label = trigger.kind === 'keyword' ? `keyword:${trigger.keyword}` : trigger.kind;
  if (committed && deps.events) {
    const at = base.now;
    deps.events.publish({ type: 'conversation.escalated', tenantId: tenant.id, userId: conversation.userId, trigger: label, at });
    deps.events.publish({ type: 'conversation.mode_changed', tenantId: tenant.id, userId: conversation.userId, mode: 'human', reason: label, at });
  }
  if (actions) {
    await runHook(actions.hooks, 'onEscalation', { tenantId: tenant.id, userId: conversation.userId, trigger: label }, deps.log);
  }
}

/** Commits the turn; false when another worker had already answered these messages (this reply is dropped). */
async function commit(deps: TurnDependencies, tenantId: string, userId: string, turn: TurnCommit): Promise<boolean> {
  try {
    await deps.conversations.commitTurn(tenantId, userId, turn);
    return true;
  } catch (error) {
    if (error instanceof SwitchboardError && error.code === 'TURN_ALREADY_COMMITTED') {
      // Our lease expired and another worker answered: dropping this reply is what keeps it single.
      deps.log.warn({ tenantId, turnId: turn.turnId }, 'turn.superseded');
      return false;
    }
    throw error;
  }
}

function measureCall(
  deps: TurnDependencies,
  tenant: Tenant,
  started: number,
  result: { ok: boolean; inputTokens?: number; outputTokens?: number; errorCode?: string },
): ModelCallRecord {
  const durationMs = performance.now() - started;
  deps.metrics.modelSeconds.observe({ tenant: tenant.id }, durationMs / 1000);
  return {
    model: tenant.model.model,
    inputTokens: result.inputTokens ?? 0,
    outputTokens: result.outputTokens ?? 0,
    durationMs,
    ok: result.ok,
    errorCode: result.errorCode ?? null,
  };
}

/** Marks the newest message read and shows "typing…" while the model works; best effort, never retried. */
function showTyping(deps: TurnDependencies, tenant: Tenant, newest: MailboxMessage): void {
  if (!tenant.accessToken) return;
  deps.graph
    .markRead(tenant.config.whatsapp.phone_number_id, tenant.accessToken, newest.waMessageId, true)
    .catch((error: unknown) => deps.log.debug({ tenantId: tenant.id, ...describeError(error) }, 'message.mark_read_failed'));
}

/**
 * The history the model sees: the cached window when there is one, else the database's newest window, which then
 * fills the cache. A cache that fails is skipped (the database is the record).
 */
async function readHistory(deps: TurnDependencies, tenant: Tenant, userId: string, sinceMs: number): Promise<HistoryEntry[]> {
  const limit = tenant.config.memory.max_turns * 2;
  const { context } = deps;
  if (!context) return deps.conversations.history(tenant.id, userId, sinceMs, limit);
  try {
    const cached = await context.get(tenant.id, userId, { sinceMs, limit });
    if (cached) return cached;
  } catch (error) {
    deps.log.warn({ tenantId: tenant.id, ...describeError(error) }, 'context.read_failed');
    return deps.conversations.history(tenant.id, userId, sinceMs, limit);
  }
  // The whole window, not only this session's part: the cache must hold the newest entries to stay complete.
  const window = contextWindowFor(tenant);
  const entries = await deps.conversations.history(tenant.id, userId, 0, window.maxEntries);
  await context.fill(tenant.id, userId, entries, window).catch((error: unknown) => deps.log.warn({ tenantId: tenant.id, ...describeError(error) }, 'context.update_failed'));
  return entries.filter((entry) => entry.createdAt >= sinceMs).slice(-limit);
}

/** Counts a model call's tokens against the tenant's day (even past the budget: spent is spent). */
async function recordTokens(deps: TurnDependencies, tenant: Tenant, tokens: number): Promise<void> {
  if (!deps.limiter || !(tokens > 0)) return;
  await deps.limiter
    .record(tenant.id, 'tokens_per_day', { points: Math.round(tokens), capacity: tokenCapacity(tenant) })
    .catch((error: unknown) => deps.log.warn({ tenantId: tenant.id, ...describeError(error) }, 'limits.unavailable'));
}
