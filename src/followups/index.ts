export { FollowUpPlanner, followUpKey, type FollowUpPayload, type FollowUpSubject } from './follow-up-planner.js';
export { sendFollowUp, type FollowUpDependencies, type FollowUpResult } from './send-follow-up.js';
export { nextAllowedTime, isQuietTime } from './quiet-hours.js';
