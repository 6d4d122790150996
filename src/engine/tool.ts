import { z } from 'zod';
import type { JobRequest } from '../ports/job-queue.js';
import type { OutboxDraft } from '../ports/outbox.js';
import type { ToolSpec } from '../ports/chat-model.js';
import type { Logger } from '../shared/logger.js';

/**
 * What a tool's side effects add to the turn's commit: messages to other people (a manager's review
 * request) and jobs (a CRM push). They are written in the same transaction that marks the user's
 * messages answered, so they happen once even when a turn is re-run after a crash.
 */
export class TurnEffects {
  readonly outbox: OutboxDraft[] = [];
  readonly jobs: JobRequest[] = [];
  /** Keys of jobs that no longer make sense (the follow-ups of a cancelled appointment). */
  readonly cancelled: string[] = [];

  send(draft: OutboxDraft): void {
    if (!this.outbox.some((existing) => existing.idempotencyKey === draft.idempotencyKey)) this.outbox.push(draft);
  }

  schedule(job: JobRequest): void {
    const index = this.jobs.findIndex((existing) => existing.key === job.key);
    if (index >= 0) this.jobs[index] = job;
    else this.jobs.push(job);
    const cancelled = this.cancelled.indexOf(job.key);
    if (cancelled >= 0) this.cancelled.splice(cancelled, 1);
  }

  cancel(key: string): void {
    const index = this.jobs.findIndex((existing) => existing.key === key);
    if (index >= 0) this.jobs.splice(index, 1);
    if (!this.cancelled.includes(key)) this.cancelled.push(key);
  }
}

/** Everything a tool may know about the turn it runs in. Tenant and user are fixed: tools cannot reach others. */
export interface ToolContext {
  tenantId: string;
  userId: string;
  /** Stable across re-runs of the same turn (the id of its first message): idempotency keys derive from it. */
  turnKey: string;
  turnId: string;
  now: number;
  effects: TurnEffects;
  log: Logger;
}

/** A tool: a zod input schema, a description for the model and a handler. Its result is JSON for the model. */
export interface Tool<Input = any> {
  name: string;
  description: string;
  input: z.ZodType<Input>;
  run(input: Input, context: ToolContext): Promise<unknown>;
}

/**
 * A refusal the model should hear and act on ("that slot is taken", "quantity above stock"): its
 * message goes back to the model as the tool's error. Anything else a tool throws is a fault, logged,
 * and the model only hears that the action failed.
 */
export class ToolRefusal extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

const specs = new WeakMap<Tool, ToolSpec>();

/** The tool as the model sees it; the JSON Schema is derived from the zod schema once. */
export function toolSpec(tool: Tool): ToolSpec {
  let spec = specs.get(tool);
  if (!spec) {
    const { $schema: _ignored, ...inputSchema } = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    spec = { name: tool.name, description: tool.description, inputSchema };
    specs.set(tool, spec);
  }
  return spec;
}
