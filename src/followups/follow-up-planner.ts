import type { FollowUpRule, FollowUpTrigger } from '../config/index.js';
import type { JobRequest } from '../ports/job-queue.js';
import { parseDuration } from '../shared/durations.js';
import { nextAllowedTime } from './quiet-hours.js';

/** What a follow-up is about: an appointment or order id, or the user id (lead, idle conversation). */
export interface FollowUpSubject {
  userId: string;
  subjectId: string;
  /** When the trigger happened (or, for a completed appointment, its end): the delay counts from here. */
  anchorAt: number;
}

/** The payload of a `followup.send` job. */
export interface FollowUpPayload {
  tenantId: string;
  userId: string;
  ruleId: string;
  trigger: FollowUpTrigger;
  subjectId: string;
  anchorAt: number;
}

/** One job per tenant, rule and subject: a trigger that fires again (a reschedule) moves it. */
export function followUpKey(tenantId: string, ruleId: string, subjectId: string): string {
  return `followup:${tenantId}:${ruleId}:${subjectId}`;
}

/** A tenant's follow-up rules turned into durable jobs: what to schedule when a trigger fires, and what to cancel. */
export class FollowUpPlanner {
  private readonly delays = new Map<string, number>();

  constructor(
    private readonly tenantId: string,
    private readonly rules: readonly FollowUpRule[],
    private readonly quietHours: string | undefined,
    private readonly timezone: string,
  ) {
    for (const rule of rules) this.delays.set(rule.id, parseDuration(rule.delay));
  }

  has(trigger: FollowUpTrigger): boolean {
    return this.rules.some((rule) => rule.trigger === trigger);
  }

  /** The jobs a trigger starts: due `delay` after the anchor (never in the past), moved out of quiet hours. */
  jobs(trigger: FollowUpTrigger, subject: FollowUpSubject, now: number): JobRequest[] {
    return this.rules
      .filter((rule) => rule.trigger === trigger)
      .map((rule) => {
        const payload: FollowUpPayload = { tenantId: this.tenantId, userId: subject.userId, ruleId: rule.id, trigger, subjectId: subject.subjectId, anchorAt: subject.anchorAt };
        return {
          name: 'followup.send' as const,
          tenantId: this.tenantId,
          key: followUpKey(this.tenantId, rule.id, subject.subjectId),
          payload: payload as unknown as Record<string, unknown>,
          runAt: nextAllowedTime(Math.max(subject.anchorAt + this.delays.get(rule.id)!, now), this.quietHours, this.timezone),
          // A lead is captured once: a later turn must not push its nudge further out.
          onExisting: trigger === 'lead_captured' ? ('keep' as const) : ('replace' as const),
        };
      });
  }

  /** Keys of the follow-ups of a subject (an appointment cancelled or moved), for these triggers. */
  keys(triggers: readonly FollowUpTrigger[], subjectId: string): string[] {
    return this.rules.filter((rule) => triggers.includes(rule.trigger)).map((rule) => followUpKey(this.tenantId, rule.id, subjectId));
  }

  /** The occurrence id of a follow-up: unique per tenant, what makes sending it exactly-once. */
  static occurrence(payload: Pick<FollowUpPayload, 'tenantId' | 'ruleId' | 'subjectId' | 'trigger' | 'anchorAt'>): string {
    const key = followUpKey(payload.tenantId, payload.ruleId, payload.subjectId);
    return payload.trigger === 'lead_captured' ? `${key}@once` : `${key}@${payload.anchorAt}`;
  }
}
