export { buildSystemPrompt } from './build-system-prompt.js';
