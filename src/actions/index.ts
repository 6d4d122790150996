export { buildTenantActions, type ActionServices, type TenantActions } from './tenant-actions.js';
export { runHook } from './hooks/run-hook.js';
export type { TenantHooks } from './hooks/tenant-hooks.js';
export { IntegrationClient, type IntegrationTarget } from './integrations/integration-client.js';
export { runIntegrationCall, type IntegrationCallPayload } from './integrations/integration-job.js';
export { checkTenantAssets } from './check-tenant-assets.js';
export { formatMoney } from './orders/money.js';
