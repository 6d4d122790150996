import type { UserAddress } from './inbound.js';
import type { JobRequest } from './job-queue.js';
import type { OutboxDraft } from './outbox.js';

export type ConversationMode = 'bot' | 'human';

export interface Conversation {
  tenantId: string;
  userId: string;
  address: UserAddress;
  contactName: string | null;
  mode: ConversationMode;
  modeReason: string | null;
  modeChangedAt: number | null;
  /** Memory starts here: history before it is not shown to the model (ttl reset). */
  sessionStartedAt: number;
  /** Last message from or to the user, Unix ms: drives the ttl and the handoff release. */
  lastActivityAt: number;
  /** Last answerable message from the user, Unix ms: opens WhatsApp's 24-hour window. */
  lastInboundAt: number | null;
}

/** A message waiting in a conversation's mailbox. */
export interface MailboxMessage {
  id: string;
  waMessageId: string;
  type: string;
  text: string;
  /** A pressed button's id: `sb:`-prefixed ids are Switchboard's own actions (a manager approving an order). */
  actionId: string | null;
  sentAt: number;
  receivedAt: number;
}

export interface HistoryEntry {
  role: 'user' | 'assistant';
  content: string;
  createdAt: number;
}

/** One model call, recorded per tenant with its turn: the base for budgets, fairness and figures. */
export interface ModelCallRecord {
  model: string;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  ok: boolean;
  errorCode: string | null;
}

export interface TurnCommit {
  turnId: string;
  /** The conversation as the turn saw it: created with these values when it is new. */
  conversation: Conversation;
  /** The mailbox messages this turn consumed. */
  messageIds: string[];
  /** `processed`: answered (or escalated); `held`: stored for the humans while in human mode. */
  outcome: 'processed' | 'held';
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
  outbox: OutboxDraft[];
  sessionStartedAt?: number;
  mode?: { mode: ConversationMode; reason: string };
  escalation?: { kind: 'keyword' | 'model_error' | 'agent'; trigger: string };
  /** When the human mode should end by itself if nobody writes (schedules handoff.release). */
  releaseAt?: number;
  modelCall?: ModelCallRecord;
  /** Jobs the turn's actions asked for (a CRM push): scheduled in the same transaction. */
  jobs?: JobRequest[];
  /** Keys of this tenant's jobs the turn made pointless (follow-ups of a cancelled appointment): removed unless running. */
  cancelJobs?: string[];
  now: number;
}

/**
 * Conversations, their mailboxes and their memory. Every method takes the tenant id and the user id:
 * nothing here can read across tenants or users.
 */
export interface ConversationStore {
  /** The conversation (a new one when the user never wrote) and its unprocessed messages in order. Reads only. */
  openTurn(tenantId: string, userId: string, now: number): Promise<{ conversation: Conversation; pending: MailboxMessage[] } | null>;
  /** The newest `limit` history entries since `sinceMs`, oldest first. */
  history(tenantId: string, userId: string, sinceMs: number, limit: number): Promise<HistoryEntry[]>;
  /**
   * Atomically: marks the messages consumed, saves the conversation, appends history, writes the
   * outbox rows and schedules their delivery and the turn's jobs, applies mode changes, records the model call. Fails with TURN_ALREADY_COMMITTED (and writes nothing) when
   * another worker consumed any of the messages first.
   */
  commitTurn(tenantId: string, userId: string, commit: TurnCommit): Promise<void>;
  get(tenantId: string, userId: string): Promise<Conversation | null>;
  /** Sets the handoff mode; false when the conversation does not exist or already is in that mode. */
  setMode(tenantId: string, userId: string, mode: ConversationMode, reason: string, now: number): Promise<boolean>;
  list(filter: { tenantId?: string; mode?: ConversationMode; limit?: number }): Promise<Conversation[]>;
}
