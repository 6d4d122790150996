/** How long a claimed message id is remembered by default: 72 hours, as Meta redelivers a webhook for up to ~3 days. */
export const DEFAULT_DEDUPE_RETENTION_MS = 72 * 60 * 60 * 1000;

/**
 * A fast check for webhook redeliveries, in front of the inbox. It is NOT the source of truth: the
 * inbox's unique (tenant, message id) claim in the database is, and an adapter may forget ids early
 * (the memory adapter is bounded and lost on restart; Redis can be flushed). So a deduper may let a
 * duplicate through, which the database then refuses; what it must never do is report an id it was
 * not told about.
 *
 * Guarantees:
 * - Scope: ids are per tenant; the same message id in two tenants is two ids.
 * - Atomicity: of any number of concurrent `claim`s of one id (across processes for a shared
 *   adapter), exactly one gets `true`.
 * - Retention: a claimed id is remembered for the adapter's retention window (default 72 h), counted
 *   from the first claim (a later claim does not extend it), and forgotten after it.
 *
 * Order of use: `isClaimed` before storing (skip a known redelivery), `claim` only once the message is
 * stored durably. Claiming first would turn a crash between the claim and the commit into a lost
 * message: Meta's redelivery would be taken for a duplicate and answered 200.
 */
export interface Deduper {
  /** True the first time `messageId` is claimed for this tenant within the retention window; false afterwards. */
  claim(tenantId: string, messageId: string): Promise<boolean>;
  /** Whether `messageId` was claimed for this tenant within the retention window. Reads only. */
  isClaimed(tenantId: string, messageId: string): Promise<boolean>;
}
