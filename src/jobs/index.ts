export { Worker, type JobHandler, type JobResult, type WorkerOptions } from './worker.js';
export { backoffDelay } from './backoff.js';
