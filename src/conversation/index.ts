export { runTurn, type TurnDependencies, type TurnOutcome } from './run-turn.js';
export { releaseIdleHandoff } from './release-handoff.js';
