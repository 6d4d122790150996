import type { Conversation, ConversationMode } from './conversation-store.js';
import type { OutboxKind, OutboxState } from './outbox.js';

/** What the records say about one tenant right now, for the tenant list's health column. */
export interface TenantActivitySummary {
  /** Messages received in the hour before `now`. */
  messagesLastHour: number;
  /** Conversations with messages waiting for their turn. */
  pendingTurns: number;
  /** Unix ms of the newest inbound message; null when none. */
  lastInboundAt: number | null;
}

/** A place in the conversation list (newest activity first); the list continues after it. */
export interface ConversationPosition {
  lastActivityAt: number;
  tenantId: string;
  userId: string;
}

/** A place in a transcript: its time, which side, and the row id that breaks ties. */
export interface TranscriptPosition {
  at: number;
  direction: 'in' | 'out';
  id: number;
}

export type TranscriptEntry =
  | {
      direction: 'in';
      id: number;
      /** When Switchboard received it. */
      at: number;
      waMessageId: string;
      type: string;
      text: string | null;
      ignoredReason: string | null;
      /** `pending` (waiting for its turn), `processed` (answered), `held` (kept for the humans). */
      state: string;
    }
  | {
      direction: 'out';
      id: number;
      /** When it was written to the outbox. */
      at: number;
      kind: OutboxKind;
      body: Record<string, unknown>;
      state: OutboxState;
      waMessageId: string | null;
      sentAt: number | null;
      errorCode: number | null;
      errorDetail: string | null;
    };

/** A count per 15-minute slot: `slot` is the slot's start, Unix ms (a multiple of FIGURE_SLOT_MS). */
export interface SlotCount {
  slot: number;
  count: number;
}

/** Figures are gathered per 15-minute slot: every time zone's hours and days are whole slots. */
export const FIGURE_SLOT_MS = 15 * 60 * 1000;

/** One tenant's activity in a window [from, to), from the records the pipeline already keeps. */
export interface TenantActivity {
  messagesIn: SlotCount[];
  /** Messages Graph accepted (sent, delivered or read), by the time they were sent. */
  messagesOut: SlotCount[];
  escalations: SlotCount[];
  /** Appointments confirmed, by the time of the confirmation. */
  bookings: SlotCount[];
  /** Orders placed (any status), and those of them still waiting for review. */
  ordersPlaced: SlotCount[];
  ordersPendingReview: SlotCount[];
  /** Model tokens (input + output) per slot. */
  modelTokens: SlotCount[];
  /** Each turn whose first message arrived in the window, and when its first answer was sent (null: none). */
  turns: Array<{ turnId: string; firstInboundAt: number; firstReplySentAt: number | null }>;
  /** Lead profiles last changed in the window: their fields decide whether they are complete. */
  leads: Array<{ userId: string; fields: Record<string, unknown>; updatedAt: number }>;
}

/**
 * The read side for operators: lists and figures built from the pipeline's own records. Reads only;
 * every method is scoped by tenant (a null tenant list means every tenant, for the agency's admin).
 */
export interface OperationsQueries {
  summaries(tenantIds: readonly string[], now: number): Promise<Map<string, TenantActivitySummary>>;
  /** Conversations, newest activity first, after `after` (exclusive); `since`/`until` bound the last activity. */
  conversations(filter: {
    tenantIds: readonly string[] | null;
    mode?: ConversationMode;
    since?: number;
    until?: number;
    after?: ConversationPosition;
    limit: number;
  }): Promise<Conversation[]>;
  /** The newest `limit` entries of one conversation before `before` (exclusive), newest first. */
  transcript(tenantId: string, userId: string, page: { before?: TranscriptPosition; limit: number }): Promise<TranscriptEntry[]>;
  activity(tenantId: string, window: { from: number; to: number }): Promise<TenantActivity>;
}
