export { readEnv, type Env } from './env.js';
export { loadTenantsDir, loadTenantFile, type LoadedTenant } from './load-tenants.js';
export { tenantSchema, type TenantConfig, type AiConfig, type EscalationConfig, type CalendarSettings } from './tenant-schema.js';
export { LEAD_FIELDS, TOOL_NAMES, type LeadFieldName, type ToolName, type ToolSettings } from './actions-schema.js';
