import type { FastifyRequest } from 'fastify';
import { SwitchboardError } from '../shared/errors.js';
import type { AdminAuth } from './admin-auth.js';

/**
 * The tenant a list is filtered to: a tenant token's own tenant (403 when the query names another),
 * or for the admin the tenant the query names, if any (undefined: every tenant).
 */
export function scopedTenant(auth: AdminAuth, request: FastifyRequest, requested: string | undefined): string | undefined {
  const principal = auth.principalOf(request);
  if (principal?.role !== 'tenant') return requested;
  if (requested !== undefined && requested !== principal.tenantId) throw forbidden(principal.tenantId, requested);
  return principal.tenantId;
}

/** 403 unless the caller may reach this tenant's records (a record found by id, such as a dead letter). */
export function assertTenantAccess(auth: AdminAuth, request: FastifyRequest, tenantId: string): void {
  if (auth.mayAccessTenant(request, tenantId)) return;
  const principal = auth.principalOf(request);
  throw forbidden(principal?.role === 'tenant' ? principal.tenantId : '?', tenantId);
}

function forbidden(own: string, other: string): SwitchboardError {
  return new SwitchboardError({ code: 'FORBIDDEN', status: 403, message: `this token belongs to tenant ${own}; it cannot reach tenant ${other}` });
}
