export { readEnv, type Env } from './env.js';
export { loadTenantsDir, loadTenantFile, type LoadedTenant } from './load-tenants.js';
export { tenantSchema, type TenantConfig, type AiConfig, type EscalationConfig } from './tenant-schema.js';
