import { z } from 'zod';
import { DURATION_PATTERN } from '../shared/durations.js';

/** Numbers may come from `${VAR}`, which is always text: "1500" is read as 1500. */
export const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value), schema);
export const duration = z.string().regex(DURATION_PATTERN, 'expected a duration such as 1500ms, 30s, 10m, 2h or 30d');
export const phoneNumber = z.string().regex(/^\+?[\d\s()-]{6,20}$/, 'expected a phone number such as "+5511999999999"');

export const LEAD_FIELDS = ['name', 'budget', 'timeline', 'areas', 'property_type', 'purpose', 'financing'] as const;
export type LeadFieldName = (typeof LEAD_FIELDS)[number];

/** Every tool Switchboard ships, with the settings each accepts in `tools:`. */
export const toolSettingsSchemas = {
  update_lead: z.strictObject({
    required: z.array(z.enum(LEAD_FIELDS)).min(1).default(['name', 'budget', 'timeline', 'areas', 'property_type', 'purpose']),
  }),
  find_slots: z.strictObject({ max_results: numeric(z.number().int().min(1).max(30)).default(8) }),
  book_appointment: z.strictObject({}),
  reschedule_appointment: z.strictObject({}),
  cancel_appointment: z.strictObject({}),
  check_inventory: z.strictObject({ max_results: numeric(z.number().int().min(1).max(50)).default(10) }),
  place_order: z.strictObject({ max_lines: numeric(z.number().int().min(1).max(200)).default(50) }),
  order_status: z.strictObject({}),
} as const;
export type ToolName = keyof typeof toolSettingsSchemas;
export const TOOL_NAMES = Object.keys(toolSettingsSchemas) as ToolName[];
export type ToolSettings = { [Name in ToolName]?: z.output<(typeof toolSettingsSchemas)[Name]> };

/**
 * `tools:` is a list: a name (`- find_slots`) or a name with settings (`- update_lead: { required: [...] }`).
 * It is normalised to a map from tool name to its validated settings.
 */
export const toolsSchema = z
  .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
  .default([])
  .transform((entries, context): ToolSettings => {
    const tools: Record<string, unknown> = {};
    entries.forEach((entry, index) => {
      const [name, settings] = typeof entry === 'string' ? [entry, {}] : (Object.entries(entry)[0] ?? ['', {}]);
      if (typeof entry !== 'string' && Object.keys(entry).length !== 1) {
        context.addIssue({ code: 'custom', path: [index], message: 'expected one tool name per entry, e.g. "- update_lead" or "- find_slots: { max_results: 5 }"' });
        return;
      }
      const schema = toolSettingsSchemas[name as ToolName];
      if (!schema) {
        context.addIssue({ code: 'custom', path: [index], message: `unknown tool "${name}"; known tools: ${TOOL_NAMES.join(', ')}` });
        return;
      }
      if (name in tools) {
        context.addIssue({ code: 'custom', path: [index], message: `tool "${name}" is listed twice` });
        return;
      }
      const parsed = schema.safeParse(settings ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', path: [index, name, ...issue.path.map(String)], message: issue.message });
        return;
      }
      tools[name] = parsed.data;
    });
    return tools as ToolSettings;
  });

const clock = '([01]\\d|2[0-3]):[0-5]\\d';
const timeRange = z
  .string()
  .regex(new RegExp(`^${clock}-(${clock}|24:00)$`), 'expected opening hours such as "09:00-18:00"')
  .refine((text) => text.slice(0, 5) < text.slice(6), 'the end must be after the start, e.g. "09:00-18:00"');
const dayHours = z.union([z.literal('closed'), timeRange, z.array(timeRange).min(1)]);

/** The built-in calendar: opening hours in the tenant's time zone; bookings live in the database. */
export const calendarSchema = z.strictObject({
  slot_minutes: numeric(z.number().int().min(5).max(480)).default(30),
  hours: z.strictObject({
    mon: dayHours.optional(),
    tue: dayHours.optional(),
    wed: dayHours.optional(),
    thu: dayHours.optional(),
    fri: dayHours.optional(),
    sat: dayHours.optional(),
    sun: dayHours.optional(),
  }),
  breaks: z.array(timeRange).default([]),
  closed_dates: z.array(z.iso.date('expected a date such as 2026-12-25')).default([]),
  horizon_days: numeric(z.number().int().min(1).max(365)).default(30),
  min_notice: duration.default('2h'), // a slot sooner than this is not offered
  hold_for: duration.default('15m'), // how long a slot waits for the user's confirmation
});

/** A built-in product catalogue: a YAML or CSV file next to the tenant file. */
export const catalogueSchema = z.strictObject({
  file: z.string().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO currency code such as USD').default('USD'),
});

const integrationSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://crm.example.com/switchboard' }),
  secret: z.string().min(16, 'expected a shared secret of 16 characters or more, e.g. ${CRM_SECRET}'),
  timeout: duration.default('10s'),
});

/** The business's own systems. Writes go through the durable job queue; reads are made during the turn. */
export const integrationsSchema = z.strictObject({
  crm: integrationSchema.optional(),
  calendar: integrationSchema.optional(),
  erp: integrationSchema.optional(),
});

/** Business rules enforced in code, never left to the prompt. */
export const rulesSchema = z.strictObject({
  /** An order whose total is above this (in major units of `currency`) waits for a manager. */
  order_review_threshold: z.union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?$/, 'expected an amount such as 5000 or 5000.00')]).optional(),
  order_review_notify: phoneNumber.optional(), // the manager who approves orders over the threshold
  currency: z.string().regex(/^[A-Z]{3}$/).optional(), // default: the catalogue's currency
});

export const guardrailsSchema = z.strictObject({
  no_prices: z.boolean().default(false), // a reply stating a price is not sent; the user is offered an agent
  no_prices_message: z.string().min(1).optional(), // built-in default per language
});

/** What starts a follow-up's clock. */
export const FOLLOW_UP_TRIGGERS = ['appointment_booked', 'appointment_completed', 'order_confirmed', 'order_delivered', 'lead_captured', 'conversation_idle'] as const;
export type FollowUpTrigger = (typeof FOLLOW_UP_TRIGGERS)[number];

/** Placeholders each trigger fills; `{name}` and `{business}` always. */
export const FOLLOW_UP_PLACEHOLDERS: Record<FollowUpTrigger, readonly string[]> = {
  appointment_booked: ['name', 'business', 'date', 'time', 'appointment_id'],
  appointment_completed: ['name', 'business', 'date', 'time', 'appointment_id'],
  order_confirmed: ['name', 'business', 'order_id', 'total'],
  order_delivered: ['name', 'business', 'order_id', 'total'],
  lead_captured: ['name', 'business'],
  conversation_idle: ['name', 'business'],
};

const placeholderText = z.string().min(1).max(4096);

/**
 * A scheduled message: `delay` after its trigger, as `text` inside the user's 24-hour window, as the
 * approved `template` outside it (skipped and recorded when there is none).
 */
export const followUpSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lower-case letters, digits, _ or -'),
    trigger: z.enum(FOLLOW_UP_TRIGGERS),
    delay: duration,
    text: placeholderText,
    template: z
      .strictObject({
        name: z.string().min(1),
        language: z.string().min(2), // e.g. pt_BR
        parameters: z.array(placeholderText).default([]), // body {{1}}, {{2}}... with placeholders
      })
      .optional(),
  })
  .superRefine((rule, context) => {
    const allowed = FOLLOW_UP_PLACEHOLDERS[rule.trigger];
    const check = (text: string, path: Array<string | number>) => {
      for (const [, name] of text.matchAll(/\{([a-z_]+)\}/g)) {
        if (!allowed.includes(name!)) context.addIssue({ code: 'custom', path, message: `{${name}} is not available for ${rule.trigger}; use ${allowed.map((item) => `{${item}}`).join(', ')}` });
      }
    };
    check(rule.text, ['text']);
    rule.template?.parameters.forEach((parameter, index) => check(parameter, ['template', 'parameters', index]));
  });
export type FollowUpRule = z.infer<typeof followUpSchema>;

/** Hours in which no follow-up is sent (tenant's zone); may wrap midnight, e.g. "21:00-08:00". */
export const quietHoursSchema = z
  .string()
  .regex(new RegExp(`^${clock}-${clock}$`), 'expected quiet hours such as "21:00-08:00"')
  .refine((text) => text.slice(0, 5) !== text.slice(6), 'start and end must differ');
