/**
 * The keys of the jobs that exist once per conversation or recipient. Part of the queue's contract:
 * the inbox, the stores and the stages must agree on them.
 */
export const jobKeys = {
  /** The pending turn of one conversation. */
  turn: (tenantId: string, userId: string) => `turn:${tenantId}:${userId}`,
  /** The delivery of one recipient's outbox, in order. */
  delivery: (tenantId: string, recipientId: string) => `deliver:${tenantId}:${recipientId}`,
  /** The idle release of one conversation's human mode. */
  release: (tenantId: string, userId: string) => `release:${tenantId}:${userId}`,
};
