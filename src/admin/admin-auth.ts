import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessTokenStore } from '../ports/access-token-store.js';
import type { AuditActor } from '../ports/audit-log.js';
import type { Logger } from '../shared/logger.js';
import './route-doc.js';

/** Who is calling: the agency's admin (every tenant) or a business's staff token (one tenant). */
export type Principal = AuditActor;

/** Tenant-scoped tokens start with this, so that they are recognisable in a leaked config or a log. */
export const SCOPED_TOKEN_PREFIX = 'sbt_';

/** A new scoped token: 32 random bytes, base64url, with its prefix. Shown once; only its hash is stored. */
export function newScopedToken(): string {
  return `${SCOPED_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The stored form of a token: SHA-256, hex. A token is 256 random bits, so a fast hash is enough:
 * slow password hashes (scrypt, argon2) defend guessable secrets, and nobody can guess 2^256.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const bearer = /^Bearer\s+(\S+)\s*$/i;
const tenantParams = z.object({ tenantId: z.string().optional() });

export interface AdminAuth {
  /**
   * The admin API's authentication, as an `onRequest` or `preHandler` hook: resolves the caller from
   * `Authorization: Bearer <token>`, answers 503 when the API is off, 401 without a valid token, and
   * 403 when a scoped token calls an admin-only route or names another tenant in the path.
   */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The caller of an authenticated request; null before authentication (or on a public route). */
  principalOf(request: FastifyRequest): Principal | null;
  /** Whether the caller may see and touch this tenant's records. */
  mayAccessTenant(request: FastifyRequest, tenantId: string): boolean;
}

/**
 * Admin API access: ADMIN_TOKEN for the agency, and tenant-scoped tokens from the token store. Both are
 * compared in constant time (hashes of equal length). Without ADMIN_TOKEN the API is off for everyone:
 * scoped tokens are created by the admin, so none can exist that the admin did not mean to keep working.
 */
export function createAdminAuth(options: { adminToken: string | undefined; tokens: AccessTokenStore; log: Logger }): AdminAuth {
  const adminDigest = options.adminToken ? Buffer.from(hashToken(options.adminToken), 'hex') : null;
  const principals = new WeakMap<FastifyRequest, Principal>();

  async function resolve(token: string): Promise<Principal | null> {
    const digest = Buffer.from(hashToken(token), 'hex');
    if (adminDigest && timingSafeEqual(digest, adminDigest)) return { role: 'admin' };
    if (!token.startsWith(SCOPED_TOKEN_PREFIX)) return null;
    // Looked up by hash (an index), then compared in constant time all the same: what the database
    // matched is not trusted to have matched for the right reason (collation, trailing spaces).
    const found = await options.tokens.findActive(digest.toString('hex'));
    if (!found) return null;
    const stored = Buffer.from(found.hash, 'hex');
    if (stored.length !== digest.length || !timingSafeEqual(stored, digest)) return null;
    return { role: 'tenant', tokenId: found.id, tenantId: found.tenantId };
  }

  return {
    async authenticate(request, reply) {
      const doc = request.routeOptions.config.openapi;
      if (doc?.access === 'public') return;
      if (!adminDigest) {
        return void reply.code(503).send({ error: 'ADMIN_DISABLED', message: 'the admin API is off: set ADMIN_TOKEN to enable it' });
      }
      let token = bearer.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined && doc?.queryToken) {
        const query = request.query as Record<string, unknown>;
        if (typeof query['access_token'] === 'string' && query['access_token'] !== '') token = query['access_token'];
      }
      const principal = token === undefined ? null : await resolve(token);
      if (!principal) {
        options.log.warn({ url: request.routeOptions.url, method: request.method, hadToken: token !== undefined }, 'admin.unauthorized');
        return void reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'UNAUTHORIZED', message: 'send Authorization: Bearer <token> with ADMIN_TOKEN or a token from POST /admin/tokens' });
      }
      principals.set(request, principal);
      if (principal.role === 'admin') return;
      // Routes without a description are admin-only: a new route is closed to staff until it says otherwise.
      if ((doc?.access ?? 'admin') === 'admin') {
        return void reply.code(403).send({ error: 'FORBIDDEN', message: 'this route is for the agency admin (ADMIN_TOKEN); a tenant token cannot call it' });
      }
      const { tenantId } = tenantParams.parse(request.params ?? {});
      if (tenantId !== undefined && tenantId !== principal.tenantId) {
        return void reply.code(403).send({ error: 'FORBIDDEN', message: `this token belongs to tenant ${principal.tenantId}; it cannot reach tenant ${tenantId}` });
      }
    },
    principalOf: (request) => principals.get(request) ?? null,
    mayAccessTenant(request, tenantId) {
      const principal = principals.get(request);
      return principal !== undefined && (principal.role === 'admin' || principal.tenantId === tenantId);
    },
  };
}
