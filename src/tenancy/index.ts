export { buildTenant, type Tenant } from './tenant.js';
export { TenantRegistry } from './tenant-registry.js';
