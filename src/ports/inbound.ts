/** What the ingress stage extracts from a webhook body: the pipeline's language, not Meta's. */

/** How a reply reaches a user: by phone number (`to`) or, for users known only by a BSUID, by `recipient`. */
export type UserAddress = { kind: 'phone'; value: string } | { kind: 'bsuid'; value: string };

/** One inbound WhatsApp message, normalised. */
export interface InboundMessage {
  /** `value.metadata.phone_number_id` of the change that carried it. */
  phoneNumberId: string;
  /** The conversation key of the user: `from` when present, else the business-scoped user id. */
  userId: string;
  address: UserAddress;
  /** The wamid; the de-duplication key (unique per tenant). */
  waMessageId: string;
  /** Unix milliseconds, from the message's `timestamp` (seconds). */
  timestampMs: number;
  /** Meta's `type`, as sent (`text`, `image`, `interactive`, ... or anything new). */
  type: string;
  /** The message rendered as text for the model; null when it is stored but not answered. */
  text: string | null;
  /** Why a message is not answered: reactions, system notices, unsupported types. */
  ignoredReason: string | null;
  /** A pressed reply button's id (or list row id, or template button payload); null otherwise. */
  actionId: string | null;
  /** `contacts[].profile.name` of the sender, when Meta sent it. */
  contactName: string | null;
  /** The message object exactly as received, as JSON. */
  rawJson: string;
}

/** A delivery status of a message we sent. Statuses only move forward: sent < delivered < read. */
export interface InboundStatus {
  phoneNumberId: string;
  waMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'played' | 'unknown';
  /** Meta's status string as received. */
  rawStatus: string;
  timestampMs: number;
  errorCode: number | null;
  errorTitle: string | null;
}

/** Everything of interest in one webhook body. */
export interface ParsedEnvelope {
  messages: InboundMessage[];
  statuses: InboundStatus[];
  /** Count of changes whose field is not `messages` (acknowledged and ignored). */
  ignoredChanges: number;
  /** Value-level `errors[]` reported by Meta (e.g. 130429), for logging. */
  errors: Array<{ phoneNumberId: string | null; code: number | null; title: string | null }>;
}
