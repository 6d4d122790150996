export { Worker, type JobHandler, type WorkerOptions } from './worker.js';
export { backoffDelay } from './backoff.js';
