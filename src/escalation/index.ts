export { compileKeywords, type KeywordMatcher } from './match-keywords.js';
export { textsFor, type EscalationTrigger, type RecentMessage } from './default-texts.js';
export { planEscalation, textBody, SERVICE_WINDOW_MS, type EscalationPlan } from './plan-escalation.js';
