import { Agent, request } from 'undici';
import { z } from 'zod';
import type { UserAddress } from '../ports/inbound.js';
import { SwitchboardError } from '../shared/errors.js';
import { toE164 } from '../shared/phone.js';
import { classifyGraphError, type GraphErrorKind } from './classify-graph-error.js';
import { describeNetworkError } from '../shared/describe-network-error.js';

/** Where the Graph API lives and how long to wait for it. */
export interface GraphClientOptions {
  /** e.g. `https://graph.facebook.com`; a trailing slash is ignored. */
  baseUrl: string;
  /** e.g. `v25.0`; pinned in config, since each Graph version lives about two years. */
  apiVersion: string;
  /** Replaces the built-in HTTP client (undici's request API). */
  fetch?: typeof fetch;
  /** Per request, including reading the answer; default 10000. */
  timeoutMs?: number;
}

/** One message to send; `body` holds `type` and its object, e.g. `{ type: 'text', text: { body, preview_url: false } }`. */
export interface OutgoingMessage {
  to: UserAddress;
  body: Record<string, unknown>;
  /** The inbound wamid to quote. */
  contextMessageId?: string;
  /** Sent as `biz_opaque_callback_data`; Meta echoes it in status webhooks. */
  callbackData?: string;
}

// Only the fields we use; each one falls back on its own, because error bodies vary and must never throw.
const graphErrorSchema = z.object({
  error: z.object({
    code: z.number().int().nullable().catch(null),
    error_subcode: z.number().int().nullable().catch(null),
    message: z.string().nullable().catch(null),
    error_data: z.object({ details: z.string().nullable().catch(null) }).nullable().catch(null),
    fbtrace_id: z.string().nullable().catch(null),
  }),
});

const sendResponseSchema = z.object({
  messages: z.array(z.object({ id: z.string().min(1) })).min(1),
});

const HINTS: Record<GraphErrorKind, string> = {
  rate_limit: 'throughput limit reached; retry later at a lower rate',
  pair_rate_limit: 'too many messages to this user; wait at least 6 s and send fewer parts',
  transient: 'Meta reported a temporary failure; retry with backoff',
  window_closed: 'more than 24 h since the user last wrote; send an approved template or wait for the user',
  undeliverable: 'the user cannot receive this message; do not resend',
  auth: "the tenant's access token is expired, invalid or lacks a permission; replace it in the tenant file",
  config: 'check the tenant configuration (number registration, templates, test allow-list, BSUID support)',
  invalid: 'the request was malformed; this is a bug, see details',
  policy: 'Meta restricted this number; stop sending from it and alert a human',
  unknown: 'see details and fbtraceId',
};

const MAX_GRAPH_TEXT = 300;

/** Sends messages and read receipts through the WhatsApp Cloud API, one tenant token per call. */
export class GraphClient {
  readonly #baseUrl: string;
  readonly #apiVersion: string;
  readonly #fetch: typeof fetch | undefined;
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  readonly #timeoutMs: number;

  constructor(options: GraphClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiVersion = options.apiVersion.replace(/^\/+|\/+$/g, '');
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Sends one message; resolves with the wamid Meta accepted it under (acceptance, not delivery). */
  async sendMessage(phoneNumberId: string, accessToken: string, message: OutgoingMessage): Promise<{ waMessageId: string }> {
    const payload: Record<string, unknown> = {
      ...message.body,
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      // Without `+` Meta prepends the business number's country code, which can reach a wrong person.
      ...(message.to.kind === 'phone' ? { to: toE164(message.to.value) } : { recipient: message.to.value }),
    };
    if (message.contextMessageId !== undefined) payload.context = { message_id: message.contextMessageId };
    if (message.callbackData !== undefined) payload.biz_opaque_callback_data = message.callbackData;

    const json = await this.#post(phoneNumberId, accessToken, payload);
    const parsed = sendResponseSchema.safeParse(json);
    if (!parsed.success) {
      // Not retryable: Meta answered 2xx, so the message may well be on its way and a retry could send it twice.
      throw new SwitchboardError({
        code: 'GRAPH_RESPONSE_INVALID',
        message: 'Graph API accepted the send but its answer has no messages[0].id; the message may have been sent, so it is not retried',
        retryable: false,
        status: 502,
      });
    }
    return { waMessageId: parsed.data.messages[0]!.id };
  }

  /** Marks an inbound message (and earlier ones) read; with `typing`, also shows the typing indicator for up to 25 s. */
  async markRead(phoneNumberId: string, accessToken: string, waMessageId: string, typing = false): Promise<void> {
    const payload: Record<string, unknown> = { messaging_product: 'whatsapp', status: 'read', message_id: waMessageId };
    if (typing) payload.typing_indicator = { type: 'text' };
    await this.#post(phoneNumberId, accessToken, payload);
  }

  /** Closes kept-alive connections (shutdown). */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #post(phoneNumberId: string, accessToken: string, payload: Record<string, unknown>): Promise<unknown> {
    const url = `${this.#baseUrl}/${this.#apiVersion}/${encodeURIComponent(phoneNumberId)}/messages`;
    let status: number;
    let text: string;
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const body = JSON.stringify(payload);
    try {
      if (this.#fetch) {
        const response = await this.#fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
        status = response.status;
        text = await response.text();
      } else {
        // undici's request API: the same HTTP client as fetch, without the web-streams layer (the hot path).
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: this.#agent,
          headersTimeout: this.#timeoutMs,
          bodyTimeout: this.#timeoutMs,
        });
        status = response.statusCode;
        text = await response.body.text();
      }
    } catch (error) {
      throw this.#unreachable(url, error);
    }
    const json = parseJson(text);
    if (status >= 200 && status < 300) return json;
    throw graphFailure(status, json, accessToken);
  }

  #unreachable(url: string, error: unknown): SwitchboardError {
    const code = (error as { code?: unknown } | null)?.code;
    const timedOut =
      error instanceof Error &&
      (error.name === 'TimeoutError' || error.name === 'AbortError' || (typeof code === 'string' && code.includes('TIMEOUT')));
    const reason = timedOut ? `no answer within ${this.#timeoutMs} ms` : describeNetworkError(error);
    const kind = classifyGraphError({ httpStatus: null, code: null, networkError: true }).kind;
    return new SwitchboardError({
      code: 'GRAPH_UNREACHABLE',
      // The url holds only the host, version and phone number id; the token travels in a header.
      message: `Graph API at ${url} unreachable: ${reason}; retrying (a timed-out send may have gone through)`,
      retryable: true,
      status: timedOut ? 504 : 502,
      details: { kind, timedOut },
      cause: error,
    });
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}


/** Meta's own text, cut short and without the token (some auth errors echo what they could not parse). */
function safeGraphText(text: string | null, accessToken: string): string | null {
  if (text === null) return null;
  const redacted = accessToken === '' ? text : text.split(accessToken).join('[redacted]');
  return redacted.length > MAX_GRAPH_TEXT ? `${redacted.slice(0, MAX_GRAPH_TEXT)}…` : redacted;
}

function graphFailure(httpStatus: number, json: unknown, accessToken: string): SwitchboardError {
  const parsed = graphErrorSchema.safeParse(json);
  const error = parsed.success ? parsed.data.error : null;
  const graphCode = error?.code ?? null;
  const subcode = error?.error_subcode ?? null;
  const graphDetails = safeGraphText(error?.error_data?.details ?? null, accessToken);
  const graphMessage = safeGraphText(error?.message ?? null, accessToken);
  const classified = classifyGraphError({ httpStatus, code: graphCode, subcode, details: graphDetails });
  const codeText = graphCode === null ? '(no error code)' : `(#${graphCode})`;
  const metaText = graphMessage ? ` "${graphMessage}"` : '';
  return new SwitchboardError({
    code: 'GRAPH_SEND_FAILED',
    message: `Graph API answered ${httpStatus} ${codeText} ${classified.kind}${metaText}: ${HINTS[classified.kind]}`,
    retryable: classified.retryable,
    // Our own HTTP answer, should this reach one, is a bad gateway; Meta's status is in details.httpStatus.
    status: 502,
    details: {
      httpStatus,
      graphCode,
      subcode,
      kind: classified.kind,
      fbtraceId: error?.fbtrace_id ?? null,
      minDelayMs: classified.minDelayMs ?? null,
      graphDetails,
    },
  });
}
