import { z } from 'zod';
import { DURATION_PATTERN } from '../shared/durations.js';

const duration = z.string().regex(DURATION_PATTERN, 'expected a duration such as 1500ms, 30s, 10m, 2h or 30d');
/** Numbers may come from `${VAR}`, which is always text: "1500" is read as 1500. */
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value), schema);
const digits = z.string().regex(/^\d{5,20}$/, 'expected the id as a string of digits, in quotes');

/** The number the business answers on; `phone_number_id` is the tenant key. */
export const whatsappSchema = z.strictObject({
  phone_number_id: digits,
  access_token: z.string().min(1, 'set the access token, e.g. ${MY_WHATSAPP_TOKEN}').optional(),
  app_secret: z.string().min(1).optional(), // falls back to env WHATSAPP_APP_SECRET
  display_phone_number: z.string().optional(),
});

export const aiSchema = z.strictObject({
  provider: z.enum(['openai', 'anthropic', 'openai-compatible']),
  model: z.string().min(1),
  base_url: z.url().optional(), // openai-compatible (Ollama, vLLM, LM Studio); optional override for the others
  api_key: z.string().optional(), // providers also read OPENAI_API_KEY / ANTHROPIC_API_KEY
  temperature: numeric(z.number().min(0).max(2)).default(0.3),
  max_tokens: numeric(z.number().int().min(1).max(32_000)).default(512),
  timeout: duration.default('30s'), // a model call longer than this counts as failed
  system_prompt: z.string().min(1),
  business_context: z.string().default(''),
  fallback_message: z.string().min(1).optional(), // sent when the model fails; built-in default per language
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
  notify: z.string().regex(/^\+?[\d\s()-]{6,20}$/, 'expected a phone number such as "+5511999999999"').optional(),
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
export const tenantSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, 'expected lower-case letters, digits, _ or -'),
  name: z.string().min(1),
  language: z.string().regex(/^[a-z]{2}(-[A-Za-z]{2})?$/, 'expected a language code such as en, pt or pt-BR'),
  timezone: z.string().refine(isTimeZone, 'expected an IANA time zone such as America/Sao_Paulo'),
  whatsapp: whatsappSchema,
  ai: aiSchema,
  memory: memorySchema.prefault({}),
  conversation: conversationSchema.prefault({}),
  escalation: escalationSchema.prefault({}),
});

export type TenantConfig = z.infer<typeof tenantSchema>;
export type AiConfig = z.infer<typeof aiSchema>;
export type EscalationConfig = z.infer<typeof escalationSchema>;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
