/** A tenant-scoped admin API token, as listed: never its secret, never its hash. */
export interface AccessToken {
  id: string;
  tenantId: string;
  /** Who or what it is for ("front desk tablet"), chosen by the admin. */
  name: string;
  createdAt: number;
  /** Unix ms when it was revoked; null while it works. */
  revokedAt: number | null;
}

/**
 * Staff tokens of the admin API, each scoped to one tenant. Only a hash of the secret is stored (the
 * caller hashes; the store never sees a token). Guarantees: a hash belongs to one token; a revoked
 * token is never returned by `findActive` again (revocation is immediate, for every process on the
 * database).
 */
export interface AccessTokenStore {
  create(token: { id: string; tenantId: string; name: string; hash: string }, now: number): Promise<AccessToken>;
  /** The live token with this hash (lower-case hex), with the stored hash for a constant-time comparison; null when none. */
  findActive(hash: string): Promise<(AccessToken & { hash: string }) | null>;
  /** Tokens newest first, revoked ones included; only one tenant's when `tenantId` is given. */
  list(filter: { tenantId?: string }): Promise<AccessToken[]>;
  /** Revokes a live token; false when there is no such token or it was already revoked. */
  revoke(id: string, now: number): Promise<boolean>;
}
