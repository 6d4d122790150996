export { readEnv, type Env } from './env.js';
export { loadTenantsDir, loadTenantFile, type LoadedTenant } from './load-tenants.js';
export { tenantSchema, type TenantConfig, type AiConfig, type EscalationConfig, type CalendarSettings } from './tenant-schema.js';
export {
  FOLLOW_UP_PLACEHOLDERS,
  FOLLOW_UP_TRIGGERS,
  LEAD_FIELDS,
  TOOL_NAMES,
  type FollowUpRule,
  type FollowUpTrigger,
  type LeadFieldName,
  type ToolName,
  type ToolSettings,
} from './actions-schema.js';
