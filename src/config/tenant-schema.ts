import { z } from 'zod';
import {
  calendarSchema,
  catalogueSchema,
  duration,
  followUpSchema,
  guardrailsSchema,
  integrationsSchema,
  numeric,
  phoneNumber,
  quietHoursSchema,
  rulesSchema,
  toolsSchema,
} from './actions-schema.js';
const digits = z.string().regex(/^\d{5,20}$/, 'expected the id as a string of digits, in quotes');

/** The number the business answers on; `phone_number_id` is the tenant key. */
export const whatsappSchema = z.strictObject({
  phone_number_id: digits,
  access_token: z.string().min(1, 'set the access token, e.g. ${MY_WHATSAPP_TOKEN}').optional(),
  app_secret: z.string().min(1).optional(), // falls back to env WHATSAPP_APP_SECRET
  display_phone_number: z.string().optional(),
  // WhatsApp's per-number throughput: 80/s by default, up to 1,000/s for upgraded numbers.
  max_sends_per_second: numeric(z.number().int().min(1).max(1000)).default(80),
});

/**
 * What one tenant may use, so that a busy tenant cannot crowd out the others. Over a limit, turns wait
 * (queued, never dropped) until the window allows them. Defaults are far above an ordinary busy business.
 */
export const limitsSchema = z.strictObject({
  turns_per_minute: numeric(z.number().int().min(1).max(1_000_000)).default(600),
  model_tokens_per_day: numeric(z.number().int().min(1000).max(10_000_000_000)).default(20_000_000),
});

export const aiSchema = z.strictObject({
  provider: z.enum(['openai', 'anthropic', 'openai-compatible', 'local']), // local: a GGUF model in-process (node-llama-cpp)
  model: z.string().min(1),
  model_path: z.string().regex(/\.gguf$/i, 'expected a .gguf file, e.g. qwen2.5-3b-instruct-q4_k_m.gguf').optional(), // local: relative to MODELS_DIR; default: the pulled model
  base_url: z.url().optional(), // openai-compatible (Ollama, vLLM, LM Studio); optional override for the others
  api_key: z.string().optional(), // providers also read OPENAI_API_KEY / ANTHROPIC_API_KEY
  temperature: numeric(z.number().min(0).max(2)).default(0.3),
  max_tokens: numeric(z.number().int().min(1).max(32_000)).default(512),
  timeout: duration.default('30s'), // a model call longer than this counts as failed
  system_prompt: z.string().min(1),
  business_context: z.string().default(''),
  fallback_message: z.string().min(1).optional(), // sent when the model fails; built-in default per language
  max_tool_steps: numeric(z.number().int().min(1).max(10)).default(5), // model calls per turn when it uses tools
});

export const memorySchema = z.strictObject({
  max_turns: numeric(z.number().int().min(1).max(100)).default(10), // user+assistant pairs sent to the model
  ttl: duration.default('30d'), // idle time after which a conversation restarts
});

export const conversationSchema = z.strictObject({
  debounce_ms: numeric(z.number().int().min(0).max(60_000)).default(1500), // a burst within this becomes one turn
});

export const escalationSchema = z.strictObject({
  keywords: z.array(z.string().min(1)).default([]),
  notify: phoneNumber.optional(),
  message: z.string().min(1).optional(), // sent to the user; built-in default per language
  notify_template: z
    .strictObject({
      name: z.string().min(1),
      language: z.string().min(2).default('en_US'),
    })
    .optional(), // used when the agent's own 24-hour window is closed
  release_after: duration.default('24h'), // human mode ends by itself after this much silence
  history_in_notification: numeric(z.number().int().min(0).max(20)).default(5),
});

/** A tenant file. Keys are a public contract: rename nothing. */
export const tenantSchema = z
  .strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, 'expected lower-case letters, digits, _ or -'),
  name: z.string().min(1),
  language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'expected a language code such as en, pt or pt-BR'),
  timezone: z.string().refine(isTimeZone, 'expected an IANA time zone such as America/Sao_Paulo'),
  whatsapp: whatsappSchema,
  ai: aiSchema,
  memory: memorySchema.prefault({}),
  conversation: conversationSchema.prefault({}),
  escalation: escalationSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  tools: toolsSchema,
  calendar: calendarSchema.optional(),
  catalogue: catalogueSchema.optional(),
  integrations: integrationsSchema.prefault({}),
  rules: rulesSchema.prefault({}),
  guardrails: guardrailsSchema.prefault({}),
  follow_ups: z.array(followUpSchema).default([]),
  quiet_hours: quietHoursSchema.optional(), // follow-ups due in these hours wait for their end
  hooks: z.string().regex(/\.(ts|mts|js|mjs)$/, 'expected a module file such as ./hooks/my_tenant.ts').optional(), // relative to the tenant file
})
  .superRefine((tenant, context) => {
    const uses = (name: string) => name in tenant.tools;
    const appointmentTools = ['find_slots', 'book_appointment', 'reschedule_appointment', 'cancel_appointment'].filter(uses);
    if (appointmentTools.length > 0 && !tenant.calendar && !tenant.integrations.calendar) {
      context.addIssue({ code: 'custom', path: ['tools'], message: `${appointmentTools.join(', ')} need a calendar: add a calendar: section (built-in) or integrations.calendar (external)` });
    }
    const catalogueTools = ['check_inventory', 'place_order'].filter(uses);
    if (catalogueTools.length > 0 && !tenant.catalogue && !tenant.integrations.erp) {
      context.addIssue({ code: 'custom', path: ['tools'], message: `${catalogueTools.join(', ')} need a catalogue: add catalogue.file (built-in) or integrations.erp (external)` });
    }
    if (tenant.rules.order_review_threshold !== undefined && !tenant.rules.order_review_notify) {
      context.addIssue({ code: 'custom', path: ['rules', 'order_review_notify'], message: 'set the manager\'s number: orders over order_review_threshold wait for their approval' });
    }
    const ruleIds = new Set<string>();
    tenant.follow_ups.forEach((rule, index) => {
      if (ruleIds.has(rule.id)) context.addIssue({ code: 'custom', path: ['follow_ups', index, 'id'], message: `follow-up id "${rule.id}" is used twice` });
      ruleIds.add(rule.id);
      const needs: Record<string, string[]> = {
        appointment_booked: ['book_appointment'],
        appointment_completed: ['book_appointment'],
        order_confirmed: ['place_order'],
        order_delivered: ['place_order'],
        lead_captured: ['update_lead'],
      };
      const tools = needs[rule.trigger];
      if (tools && !tools.some(uses)) {
        context.addIssue({ code: 'custom', path: ['follow_ups', index, 'trigger'], message: `${rule.trigger} needs the ${tools.join(' or ')} tool in tools:` });
      }
    });
    if (tenant.calendar && tenant.integrations.calendar) {
      context.addIssue({ code: 'custom', path: ['calendar'], message: 'use either a built-in calendar (calendar:) or an external one (integrations.calendar), not both' });
    }
  });

export type TenantConfig = z.infer<typeof tenantSchema>;
export type AiConfig = z.infer<typeof aiSchema>;
export type EscalationConfig = z.infer<typeof escalationSchema>;
export type CalendarSettings = z.infer<typeof calendarSchema>;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
