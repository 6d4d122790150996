/** Who made an admin API write: the agency's admin token, or a tenant-scoped token. */
export type AuditActor = { role: 'admin' } | { role: 'tenant'; tokenId: string; tenantId: string };

/** One write through the admin API, as recorded once its answer was sent. */
export interface AuditRecord {
  actor: AuditActor;
  /** The tenant the write touched (a scoped token's own tenant, or the target of an admin's write); null when none. */
  tenantId: string | null;
  method: string;
  /** The route pattern (`/admin/tenants/:tenantId/orders/:orderId/approve`), not the URL. */
  route: string;
  params: Record<string, string>;
  /** A short summary of the request body, secrets redacted and long text cut. */
  body: Record<string, unknown> | null;
  /** The HTTP status of the answer. */
  status: number;
}

export interface AuditEntry extends AuditRecord {
  id: string;
  at: number;
}

/**
 * The append-only record of admin API writes. Entries are never changed or removed by Switchboard;
 * ids grow with time, so `beforeId` pages backwards.
 */
export interface AuditLog {
  record(entry: AuditRecord, now: number): Promise<void>;
  /** Newest first; only one tenant's entries when `tenantId` is given. */
  list(filter: { tenantId?: string; limit: number; beforeId?: string }): Promise<AuditEntry[]>;
}
