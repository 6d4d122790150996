import { randomBytes } from 'node:crypto';
import type { LoadedTenant } from '../config/index.js';

/**
 * Gives each tenant file without `whatsapp.access_token` the sandbox's token for it, so that a fresh clone's
 * tenants can reply at once (and are not reported `tenant.degraded` for it). Tokens never leave the process.
 */
export function withSandboxTokens(loaded: LoadedTenant[], tokenFor: (tenantId: string) => string): LoadedTenant[] {
  return loaded.map((tenant) =>
    tenant.config.whatsapp.access_token
      ? tenant
      : { ...tenant, config: { ...tenant.config, whatsapp: { ...tenant.config.whatsapp, access_token: tokenFor(tenant.config.id) } } },
  );
}

/**
 * The admin token in force: ADMIN_TOKEN when set; in sandbox mode otherwise a random one, which the start-up
 * log prints once (`generated: true`), so the console and `switchboard chat` can be used on a fresh clone.
 */
export function resolveAdminToken(configured: string | undefined, sandbox: boolean): { token: string | undefined; generated: boolean } {
  if (configured !== undefined || !sandbox) return { token: configured, generated: false };
  return { token: randomBytes(24).toString('hex'), generated: true };
}
