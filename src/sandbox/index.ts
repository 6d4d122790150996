export { Sandbox, offeredIds, type SandboxMessage, type SandboxOptions } from './sandbox.js';
export { sandboxGraphRoutes, type SandboxGraphRoutesOptions } from './sandbox-graph-routes.js';
export { simulatorRoutes, type SimulatorRoutesOptions } from './simulator-routes.js';
export { inProcessFetch, SANDBOX_GRAPH_URL } from './in-process-fetch.js';
export { withSandboxTokens, resolveAdminToken } from './sandbox-credentials.js';
export { describeMode, ownUrls } from './describe-mode.js';
export { validateGraphRequest, type GraphRequest } from './validate-graph-request.js';
