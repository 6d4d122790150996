import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessTokenStore } from '../ports/access-token-store.js';
import type { Clock } from '../ports/clock.js';
import { SwitchboardError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { hashToken, newScopedToken, type AdminAuth } from './admin-auth.js';
import { accessTokenSchema } from './admin-schemas.js';
import { auditTenant } from './audit-trail.js';

const newTokenBody = z.object({
  tenantId: z.string().min(1).describe('The tenant the token may see and act for'),
  name: z.string().trim().min(1).max(100).describe('Who or what it is for, e.g. "front desk"'),
});
const tokenParams = z.object({ id: z.string().min(1) });

/** `/me` and the tenant tokens: created, listed and revoked by the agency's admin. */
export async function tokenRoutes(
  app: FastifyInstance,
  options: { tokens: AccessTokenStore; tenants: () => TenantRegistry; auth: AdminAuth; clock: Clock; log: Logger },
): Promise<void> {
  const { tokens, auth, clock, log } = options;

  app.get(
    '/me',
    {
      config: {
        openapi: {
          tag: 'access',
          summary: 'Who the token is: the admin, or a tenant token and its tenant',
          access: 'tenant',
          response: z.object({ role: z.enum(['admin', 'tenant']), tenantId: z.string().optional(), tokenId: z.string().optional() }),
        },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request)!;
      return principal.role === 'admin' ? { role: 'admin' } : { role: 'tenant', tenantId: principal.tenantId, tokenId: principal.tokenId };
    },
  );

  app.post(
    '/tokens',
    {
      config: {
        openapi: {
          tag: 'access',
          summary: 'Creates a tenant token; the token is in this answer only',
          description: 'Only its SHA-256 is stored: a lost token cannot be shown again; revoke it and create another.',
          access: 'admin',
          body: newTokenBody,
          response: z.object({ id: z.string(), token: z.string().describe('`sbt_` and 43 characters: send it as `Authorization: Bearer <token>`'), tenantId: z.string(), name: z.string() }),
          errors: { 404: 'TENANT_NOT_FOUND' },
        },
      },
    },
    async (request) => {
      const body = newTokenBody.parse(request.body);
      if (!options.tenants().byId(body.tenantId)) {
        throw new SwitchboardError({ code: 'TENANT_NOT_FOUND', status: 404, message: `no tenant ${body.tenantId}; list them with GET /admin/tenants` });
      }
      const token = newScopedToken();
      const created = await tokens.create({ id: newId('tok'), tenantId: body.tenantId, name: body.name, hash: hashToken(token) }, clock.now());
      auditTenant(request, created.tenantId);
      log.info({ tokenId: created.id, tenantId: created.tenantId }, 'admin_token.created');
      return { id: created.id, token, tenantId: created.tenantId, name: created.name };
    },
  );

  app.get(
    '/tokens',
    {
      config: {
        openapi: {
          tag: 'access',
          summary: 'Tenant tokens, newest first (never their secrets)',
          access: 'admin',
          query: z.object({ tenant: z.string().optional() }),
          response: z.object({ tokens: z.array(accessTokenSchema) }),
        },
      },
    },
    async (request) => {
      const { tenant } = z.object({ tenant: z.string().optional() }).parse(request.query);
      return { tokens: await tokens.list(tenant ? { tenantId: tenant } : {}) };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: {
        openapi: {
          tag: 'access',
          summary: 'Revokes a tenant token at once',
          access: 'admin',
          params: tokenParams,
          response: z.object({ id: z.string(), revoked: z.literal(true) }),
          errors: { 404: 'TOKEN_NOT_FOUND' },
        },
      },
    },
    async (request) => {
      const { id } = tokenParams.parse(request.params);
      const known = (await tokens.list({})).find((token) => token.id === id);
      if (known) auditTenant(request, known.tenantId);
      if (!(await tokens.revoke(id, clock.now()))) {
        throw new SwitchboardError({ code: 'TOKEN_NOT_FOUND', status: 404, message: `no live token ${id}; list them with GET /admin/tokens` });
      }
      log.info({ tokenId: id }, 'admin_token.revoked');
      return { id, revoked: true };
    },
  );
}
