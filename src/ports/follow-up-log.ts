import type { OutboxDraft } from './outbox.js';

export type FollowUpOutcome = 'sent' | 'skipped' | 'cancelled';

/** What happened to one occurrence of a follow-up. */
export interface FollowUpRecord {
  /** The job key of the follow-up (`followup:<tenant>:<rule>:<subject>`). */
  key: string;
  /** Unique per tenant: the key plus what the follow-up was anchored to, so each occurrence is recorded once. */
  occurrence: string;
  ruleId: string;
  trigger: string;
  userId: string;
  subjectId: string;
  outcome: FollowUpOutcome;
  /** How it went out: the free-form text (inside the 24-hour window) or the template. */
  via: 'text' | 'template' | null;
  /** Why it was skipped or cancelled (`window_closed_no_template`, `appointment_cancelled`...). */
  reason: string | null;
  /** The outbox message's idempotency key, to read its delivery state. */
  outboxKey: string | null;
}

export interface FollowUpEntry extends FollowUpRecord {
  at: number;
  /** The delivery state of the message when one was sent (`failed` with its error when WhatsApp refused it). */
  delivery: { state: string; errorCode: number | null; errorDetail: string | null } | null;
}

/**
 * The record of follow-ups that ran. `record` is the exactly-once point of a follow-up: in one
 * transaction it writes the record, the outbox message and the history entry; an occurrence already
 * recorded writes nothing and returns false (a job re-run after a crash).
 */
export interface FollowUpLog {
  record(tenantId: string, record: FollowUpRecord, send: { draft: OutboxDraft; historyText: string } | null, now: number): Promise<boolean>;
  has(tenantId: string, occurrence: string): Promise<boolean>;
  list(tenantId: string, filter: { outcome?: FollowUpOutcome; limit: number }): Promise<FollowUpEntry[]>;
}
