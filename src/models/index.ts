export { DEFAULT_MODEL, type PinnedModel } from './default-model.js';
export { createProgressBar, type ProgressBar, type ProgressOutput } from './progress-bar.js';
export { pullDefaultModelIfMissing } from './pull-on-start.js';
export { pullModel, verify, type PullOptions, type PullResult } from './pull-model.js';
