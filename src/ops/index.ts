export { createMetrics, type Metrics } from './metrics.js';
export { sweep, sweepJob, PARKED_STATUS_TTL_MS } from './sweep.js';
