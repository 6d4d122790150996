import { z } from 'zod';

// The JSON the admin API answers with, as zod schemas: the OpenAPI document is generated from them.
// Times are Unix milliseconds; money is in minor units (cents) with its ISO 4217 currency.

const ms = z.number().int().describe('Unix milliseconds');
const address = z.object({ kind: z.enum(['phone', 'bsuid']), value: z.string() });
const json = z.record(z.string(), z.unknown());

export const conversationSchema = z.object({
  tenantId: z.string(),
  userId: z.string(),
  address,
  contactName: z.string().nullable(),
  mode: z.enum(['bot', 'human']),
  modeReason: z.string().nullable().describe('Why the mode last changed: keyword:<word>, model_failure, taken_over_by_admin, idle_release…'),
  modeChangedAt: ms.nullable(),
  sessionStartedAt: ms,
  lastActivityAt: ms,
  lastInboundAt: ms.nullable(),
});

export const historyEntrySchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string(), createdAt: ms });

const outboxKind = z.enum(['reply', 'escalation', 'fallback', 'agent_notification', 'agent_message']);
const outboxState = z.enum(['pending', 'sent', 'delivered', 'read', 'failed']);

export const outboxMessageSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  recipientId: z.string(),
  address,
  kind: outboxKind,
  idempotencyKey: z.string(),
  body: json.describe('The Graph API message body (type, text / interactive / template)'),
  contextMessageId: z.string().optional(),
  state: outboxState,
  attempts: z.number().int(),
  waMessageId: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  errorDetail: z.string().nullable(),
  createdAt: ms,
});

export const transcriptEntrySchema = z.discriminatedUnion('direction', [
  z.object({
    direction: z.literal('in'),
    id: z.string(),
    at: ms.describe('When Switchboard received it'),
    waMessageId: z.string(),
    type: z.string().describe("Meta's message type: text, interactive, image…"),
    text: z.string().nullable().describe('The message as text (a pressed button as its title); null when not answerable'),
    ignoredReason: z.string().nullable(),
    state: z.string().describe('pending (waiting for its turn), processed (answered) or held (kept for the humans)'),
  }),
  z.object({
    direction: z.literal('out'),
    id: z.string(),
    at: ms.describe('When it was written to the outbox'),
    kind: outboxKind.describe('reply (the bot), escalation, fallback, agent_message (staff or the manager), agent_notification'),
    text: z.string().nullable().describe('The text shown to the user (text body, interactive body, or the template name)'),
    body: json,
    delivery: z.object({
      state: outboxState,
      waMessageId: z.string().nullable(),
      sentAt: ms.nullable(),
      errorCode: z.number().int().nullable(),
      errorDetail: z.string().nullable(),
    }),
  }),
]);

export const deadLetterSchema = z.object({
  id: z.string(),
  jobName: z.string(),
  tenantId: z.string(),
  key: z.string(),
  payload: json,
  attempts: z.number().int(),
  error: z.string(),
  failedAt: ms,
  retriedAt: ms.nullable(),
});

export const leadSchema = z.object({
  tenantId: z.string(),
  userId: z.string(),
  fields: json,
  version: z.number().int(),
  syncedVersion: z.number().int().nullable(),
  createdAt: ms,
  updatedAt: ms,
});

export const appointmentSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  userId: z.string(),
  start: ms,
  end: ms,
  status: z.enum(['held', 'confirmed', 'cancelled', 'released']),
  holdExpiresAt: ms.nullable(),
  heldInTurn: z.string(),
  replacesId: z.string().nullable(),
  createdAt: ms,
  updatedAt: ms,
});

export const orderSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  userId: z.string(),
  status: z.enum(['confirmed', 'pending_review', 'rejected', 'cancelled', 'delivered']),
  currency: z.string(),
  lines: z.array(
    z.object({ sku: z.string(), name: z.string(), quantity: z.number(), unit: z.string(), unitPriceMinor: z.number().int(), lineTotalMinor: z.number().int() }),
  ),
  totalMinor: z.number().int(),
  note: z.string().nullable(),
  decidedBy: z.string().nullable().describe("The manager's number, `admin`, or `token:<id>`"),
  decidedByMessage: z.string().nullable(),
  createdAt: ms,
  updatedAt: ms,
});

export const scheduledFollowUpSchema = z.looseObject({ key: z.string(), dueAt: ms, running: z.boolean(), attempts: z.number().int() });

export const followUpEntrySchema = z.object({
  key: z.string(),
  occurrence: z.string(),
  ruleId: z.string(),
  trigger: z.string(),
  userId: z.string(),
  subjectId: z.string(),
  outcome: z.enum(['sent', 'skipped', 'cancelled']),
  status: z.enum(['sent', 'failed', 'skipped', 'cancelled']),
  via: z.enum(['text', 'template']).nullable(),
  reason: z.string().nullable(),
  outboxKey: z.string().nullable(),
  at: ms,
  delivery: z.object({ state: z.string(), errorCode: z.number().int().nullable(), errorDetail: z.string().nullable() }).nullable(),
});

export const accessTokenSchema = z.object({ id: z.string(), tenantId: z.string(), name: z.string(), createdAt: ms, revokedAt: ms.nullable() });

const actorSchema = z.discriminatedUnion('role', [z.object({ role: z.literal('admin') }), z.object({ role: z.literal('tenant'), tokenId: z.string(), tenantId: z.string() })]);

export const auditEntrySchema = z.object({
  id: z.string(),
  at: ms,
  actor: actorSchema,
  tenantId: z.string().nullable(),
  method: z.string(),
  route: z.string().describe('The route pattern, e.g. /admin/tenants/:tenantId/orders/:orderId/approve'),
  params: z.record(z.string(), z.string()),
  body: json.nullable().describe('Top-level body fields; secrets redacted, text cut to 200 characters'),
  status: z.number().int(),
});

export const tenantHealthSchema = z.object({
  ok: z.boolean().describe('No start-up problems and no dead letters waiting'),
  problems: z.array(z.string()),
  messagesLastHour: z.number().int(),
  pendingTurns: z.number().int().describe('Conversations with messages waiting for their turn'),
  deadLetters: z.number().int().describe('Dead letters not yet retried (counted up to 500)'),
  lastInboundAt: ms.nullable(),
});

export const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  file: z.string(),
  language: z.string(),
  timezone: z.string(),
  phoneNumberId: z.string(),
  provider: z.string(),
  model: z.string(),
  problems: z.array(z.string()),
  health: tenantHealthSchema,
});

export const tenantFileReportSchema = z.object({
  file: z.string(),
  tenantId: z.string().nullable(),
  ok: z.boolean(),
  errors: z.array(z.string()).describe('What stops the file from loading; fix these'),
  warnings: z.array(z.string()).describe('Loads, but degraded: unset variables, a missing access token or model key'),
});

export const tenantFilesSchema = z.object({
  ok: z.boolean(),
  dir: z.string(),
  errors: z.array(z.string()).describe('Problems of the folder itself, or across files'),
  files: z.array(tenantFileReportSchema),
});

const durations = z.object({ median: z.number().nullable(), p95: z.number().nullable(), count: z.number().int() });
const figureValues = {
  messagesIn: z.number().int(),
  messagesOut: z.number().int(),
  turns: z.number().int(),
  escalations: z.number().int(),
  leads: z.number().int().describe('Lead profiles complete (every required field), counted when last updated'),
  bookings: z.number().int().describe('Appointments confirmed'),
  ordersPlaced: z.number().int(),
  ordersPendingReview: z.number().int().describe('Orders placed in the window that still wait for review'),
  modelTokens: z.number().int().describe('Input plus output tokens'),
  replyTimeMs: durations.describe('First message of a turn to its first answer sent, over the turns answered'),
};

export const figuresSchema = z.object({
  tenantId: z.string(),
  from: ms,
  to: ms,
  bucket: z.enum(['hour', 'day']),
  timezone: z.string().describe("Buckets are the tenant's hours or days in this zone"),
  totals: z.object(figureValues),
  series: z.array(z.object({ start: ms, ...figureValues })),
});
