export { runTurn, type TurnDependencies, type TurnOutcome } from './run-turn.js';
export { releaseIdleHandoff } from './release-handoff.js';
export { contextWindowFor } from './context-window.js';
export { tokenCapacity, turnLimitDelay } from './turn-limits.js';
