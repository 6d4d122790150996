export { buildSystemPrompt } from './build-system-prompt.js';
export { runToolLoop, type ToolLoopResult } from './run-tool-loop.js';
export { toolSpec, ToolRefusal, TurnEffects, type Tool, type ToolContext } from './tool.js';
