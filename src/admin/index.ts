export { adminRoutes, type AdminOptions } from './admin-routes.js';
