import type { FastifyInstance } from 'fastify';
import type { AccessTokenStore } from '../ports/access-token-store.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../shared/logger.js';
import { createAdminAuth, type AdminAuth } from './admin-auth.js';
import { recordAdminWrites } from './audit-trail.js';
import { collectAdminRoutes, type RegisteredRoute } from './openapi.js';

/** What every /admin route shares, wherever it is registered: the authentication and the route list. */
export interface AdminApi {
  auth: AdminAuth;
  /** Every /admin route registered so far (filled as routes are registered): the OpenAPI document's source. */
  routes: RegisteredRoute[];
}

/**
 * Sets up the admin API on the root instance, before any /admin route is registered: collects the
 * routes for the OpenAPI document and records every write in the audit log, including routes that
 * other plugins register under /admin (they authenticate with `auth.authenticate`).
 */
export function prepareAdminApi(
  http: FastifyInstance,
  options: { adminToken: string | undefined; tokens: AccessTokenStore; audit: AuditLog; clock: Clock; log: Logger },
): AdminApi {
  const auth = createAdminAuth({ adminToken: options.adminToken, tokens: options.tokens, log: options.log });
  const routes = collectAdminRoutes(http);
  recordAdminWrites(http, { audit: options.audit, auth, clock: options.clock, log: options.log });
  return { auth, routes };
}
