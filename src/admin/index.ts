export { adminRoutes, type AdminOptions } from './admin-routes.js';
export { prepareAdminApi, type AdminApi } from './admin-api.js';
export type { AdminAuth, Principal } from './admin-auth.js';
export { TenantFiles, type TenantFilesReport, type TenantSet } from './tenant-files.js';
export type { RouteDoc, RouteAccess } from './route-doc.js';
