import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SERVICE_WINDOW_MS, textBody } from '../escalation/index.js';
import type { Clock } from '../ports/clock.js';
import type { ConversationStore } from '../ports/conversation-store.js';
import type { OperationsQueries, TranscriptEntry } from '../ports/operations-queries.js';
import { SwitchboardError } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { maskPhone } from '../shared/phone.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { transcriptEntrySchema } from './admin-schemas.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const conversationParams = z.object({ tenantId: z.string().min(1), userId: z.string().min(1) });
const transcriptQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().optional().describe('`nextBefore` of the previous page: the page continues with older messages'),
});
const transcriptCursor = z.tuple([z.number(), z.enum(['in', 'out']), z.number()]);
/** WhatsApp's limit for one text message. */
const replyBody = z.object({ text: z.string().trim().min(1).max(4096).describe('Sent as one WhatsApp text message') });

/** The text a person sees in an outgoing message: its text, its interactive body, or its template's name. */
function shownText(body: Record<string, unknown>): string | null {
  const text = (body['text'] as { body?: unknown } | undefined)?.body;
  if (typeof text === 'string') return text;
  const interactive = (body['interactive'] as { body?: { text?: unknown } } | undefined)?.body?.text;
  if (typeof interactive === 'string') return interactive;
  const template = (body['template'] as { name?: unknown } | undefined)?.name;
  return typeof template === 'string' ? `[template ${template}]` : null;
}

function present(entry: TranscriptEntry) {
  if (entry.direction === 'in') {
    const { id, ...rest } = entry;
    return { ...rest, id: `in:${id}` };
  }
  return {
    direction: 'out' as const,
    id: `out:${entry.id}`,
    at: entry.at,
    kind: entry.kind,
    text: shownText(entry.body),
    body: entry.body,
    delivery: { state: entry.state, waMessageId: entry.waMessageId, sentAt: entry.sentAt, errorCode: entry.errorCode, errorDetail: entry.errorDetail },
  };
}

/** A conversation's transcript, and staff replying in it through the tenant's number. */
export async function conversationRoutes(
  app: FastifyInstance,
  options: { tenants: () => TenantRegistry; conversations: ConversationStore; queries: OperationsQueries; clock: Clock; log: Logger; onScheduled: () => void },
): Promise<void> {
  const { conversations, queries, clock, log } = options;

  app.get(
    '/tenants/:tenantId/conversations/:userId/messages',
    {
      config: {
        openapi: {
          tag: 'conversations',
          summary: "A conversation's transcript, oldest first, paged backwards",
          description:
            'What the user sent and everything sent to them (bot replies, escalation texts, staff replies) with its delivery state. ' +
            'The newest `limit` entries come first; pass `nextBefore` as `before` for older ones (null: no more).',
          access: 'tenant',
          params: conversationParams,
          query: transcriptQuery,
          response: z.object({ messages: z.array(transcriptEntrySchema), nextBefore: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const { tenantId, userId } = conversationParams.parse(request.params);
      const query = transcriptQuery.parse(request.query);
      const before = query.before === undefined ? undefined : decodeCursor(query.before, transcriptCursor, 'before');
      // One more than asked: whether it comes back says if there are older entries.
      const rows = await queries.transcript(tenantId, userId, {
        limit: query.limit + 1,
        ...(before ? { before: { at: before[0], direction: before[1], id: before[2] } } : {}),
      });
      const newestFirst = rows.slice(0, query.limit);
      const oldest = newestFirst[newestFirst.length - 1];
      return {
        messages: newestFirst.reverse().map(present),
        nextBefore: rows.length > query.limit && oldest ? encodeCursor([oldest.at, oldest.direction, oldest.id]) : null,
      };
    },
  );

  app.post(
    '/tenants/:tenantId/conversations/:userId/reply',
    {
      config: {
        openapi: {
          tag: 'handoff',
          summary: "Replies to the user as the business's staff, through the tenant's number",
          description:
            'Only while the conversation is in human mode (taken over or escalated). The text goes to the outbox as an `agent_message`, ' +
            "joins the conversation's memory as what the business said, and restarts the idle timer that would give the conversation " +
            'back to the bot. `windowOpen` false: the user wrote more than 24 hours ago, and WhatsApp will refuse a free-form message.',
          access: 'tenant',
          params: conversationParams,
          body: replyBody,
          response: z.object({ tenantId: z.string(), userId: z.string(), queued: z.literal(true), windowOpen: z.boolean() }),
          errors: { 404: 'TENANT_NOT_FOUND or CONVERSATION_NOT_FOUND', 409: 'CONVERSATION_NOT_IN_HUMAN_MODE: take the conversation over first' },
        },
      },
    },
    async (request) => {
      const { tenantId, userId } = conversationParams.parse(request.params);
      const { text } = replyBody.parse(request.body);
      const tenant = options.tenants().byId(tenantId);
      if (!tenant) throw new SwitchboardError({ code: 'TENANT_NOT_FOUND', status: 404, message: `no tenant ${tenantId}; list them with GET /admin/tenants` });
      const conversation = await conversations.get(tenantId, userId);
      if (!conversation) throw new SwitchboardError({ code: 'CONVERSATION_NOT_FOUND', status: 404, message: `no conversation of ${tenantId} with that user` });
      if (conversation.mode !== 'human') {
        throw new SwitchboardError({
          code: 'CONVERSATION_NOT_IN_HUMAN_MODE',
          status: 409,
          message: 'the bot is handling this conversation: take it over first (POST …/takeover), so that the bot and a person do not answer at once',
        });
      }
      const now = clock.now();
      const turnId = newId('agent');
      // One commit, like a turn without inbound messages: the message, its memory entry, the conversation's
      // activity (the idle release counts from it) and the rescheduled release.
      await conversations.commitTurn(tenantId, userId, {
        turnId,
        conversation,
        messageIds: [],
        outcome: 'processed',
        history: [{ role: 'assistant', content: text }],
        outbox: [{ tenantId, recipientId: userId, address: conversation.address, kind: 'agent_message', idempotencyKey: `${turnId}:0`, body: textBody(text) }],
        releaseAt: now + tenant.releaseAfterMs,
        now,
      });
      options.onScheduled();
      log.info({ tenantId, userId: maskPhone(userId), turnId }, 'handoff.agent_replied');
      const windowOpen = conversation.lastInboundAt !== null && now - conversation.lastInboundAt < SERVICE_WINDOW_MS;
      return { tenantId, userId, queued: true as const, windowOpen };
    },
  );
}
