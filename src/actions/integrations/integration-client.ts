import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { SwitchboardError } from '../../shared/errors.js';
import { SIGNATURE_HEADER, signPayload } from './sign-payload.js';
import { describeNetworkError } from '../../shared/describe-network-error.js';

/** One business system a tenant connected, as its tenant file describes it. */
export interface IntegrationTarget {
  name: 'crm' | 'calendar' | 'erp';
  /** Base URL such as `https://crm.example.com/api`; a trailing slash is ignored. */
  url: string;
  /** Shared with the business; signs every request (see sign-payload.ts). Never logged or put in messages. */
  secret: string;
  /** Per call, from connecting to reading the whole answer. */
  timeoutMs: number;
}

/** One call to a business system; `path` is appended to the target's URL. */
export interface IntegrationRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/leads`; a missing leading slash is added. */
  path: string;
  query?: Record<string, string>;
  /** Sent as JSON; ignored for GET, which has no body. */
  body?: unknown;
  /** Sent as `Idempotency-Key`, so the receiver can drop a retried call it already handled. */
  idempotencyKey?: string;
}

/** A 2xx answer; `json` is null for an empty or non-JSON body. */
export interface IntegrationResponse {
  status: number;
  json: unknown;
}

/** Options of IntegrationClient. */
export interface IntegrationClientOptions {
  /** Replaces the built-in HTTP client (undici's request API). */
  fetch?: typeof fetch;
  /** Default `switchboard/<version of package.json>`. */
  userAgent?: string;
  /** Epoch milliseconds for signature timestamps; default Date.now. */
  now?: () => number;
}

const MAX_EXCERPT = 200;
const JSON_CONTENT_TYPE = /^\s*(?:application|text)\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Calls a business's own systems (CRM, calendar, ERP) with signed JSON; one client serves every tenant. */
export class IntegrationClient {
  readonly #fetch: typeof fetch | undefined;
  readonly #userAgent: string;
  readonly #now: () => number;
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

  constructor(options: IntegrationClientOptions = {}) {
    this.#fetch = options.fetch;
    this.#userAgent = options.userAgent ?? `switchboard/${packageVersion()}`;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Sends JSON, signed over the exact bytes sent (GET signs ''), with `Idempotency-Key` when given, `User-Agent`
   * and the target's timeout. Resolves with a 2xx answer; anything else throws INTEGRATION_CALL_FAILED, retryable
   * for 408, 425, 429, 5xx, network errors and timeouts, permanent for other statuses. A 2xx whose body claims
   * JSON but is not throws INTEGRATION_RESPONSE_INVALID (permanent). Messages never hold the secret or headers.
   */
  async call(target: IntegrationTarget, integrationRequest: IntegrationRequest): Promise<IntegrationResponse> {
    const { method } = integrationRequest;
    const path = integrationRequest.path.startsWith('/') ? integrationRequest.path : `/${integrationRequest.path}`;
    const context: CallContext = { target, method, path, hidden: [target.secret] };

    let url: string;
    let body: string;
    try {
      url = buildUrl(target.url, path, integrationRequest.query);
      body = method === 'GET' || integrationRequest.body === undefined ? '' : JSON.stringify(integrationRequest.body);
    } catch (error) {
      // A bad URL in a tenant file or a body JSON cannot hold (BigInt, cycles) fails the same way every time.
      throw callFailed(context, {
        reason: `could not build the request (${error instanceof Error ? error.message : String(error)}); check the integration's url and the request body`,
        retryable: false,
        httpStatus: null,
        timedOut: false,
        cause: error,
      });
    }

    const signature = signPayload(target.secret, Math.floor(this.#now() / 1000), body);
    // A receiver echoing what it could not verify must not put our secret or signature into logs and dead letters.
    context.hidden.push(signature.slice(signature.indexOf('v1=') + 3));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent, [SIGNATURE_HEADER]: signature };
    // Only with a body: some frameworks (Fastify among them) refuse an empty body labelled application/json.
    if (body !== '') headers['content-type'] = 'application/json';
    if (integrationRequest.idempotencyKey !== undefined) headers['idempotency-key'] = integrationRequest.idempotencyKey;

    // One deadline for connecting, sending and reading the whole answer.
    const signal = AbortSignal.timeout(target.timeoutMs);
    let status: number;
    let contentType: string | null;
    let text: string;
    try {
      if (this.#fetch) {
        const response = await this.#fetch(url, {
          method,
          headers,
          ...(body === '' ? {} : { body }),
          signal,
          // A redirect would carry the signature to wherever it points; undici's request does not follow either.
          redirect: 'manual',
        });
        status = response.status;
        contentType = response.headers.get('content-type');
        text = await response.text();
      } else {
        // undici's request API: the same HTTP client as fetch, without the web-streams layer.
        const response = await request(url, {
          method,
          headers,
          ...(body === '' ? {} : { body }),
          signal,
          dispatcher: this.#agent,
        });
        status = response.statusCode;
        const header = response.headers['content-type'];
        contentType = Array.isArray(header) ? (header[0] ?? null) : (header ?? null);
        text = await response.body.text();
      }
    } catch (error) {
      const timedOut = signal.aborted;
      throw callFailed(context, {
        reason: timedOut
          ? `no answer within ${target.timeoutMs} ms; the call may have gone through${integrationRequest.idempotencyKey === undefined ? ' and has no idempotency key, so a retry may repeat it' : ', its idempotency key lets the system drop the retry'}`
          : `unreachable: ${describeNetworkError(error)}`,
        retryable: true,
        httpStatus: null,
        timedOut,
        cause: error,
      });
    }

    if (status < 200 || status > 299) {
      const retryable = isRetryableStatus(status);
      throw callFailed(context, {
        reason: `answered ${status}: ${excerpt(text, context.hidden)}; ${hint(status, retryable)}`,
        retryable,
        httpStatus: status,
        timedOut: false,
      });
    }

    if (text.trim() === '' || contentType === null || !JSON_CONTENT_TYPE.test(contentType)) return { status, json: null };
    try {
      return { status, json: JSON.parse(text) as unknown };
    } catch (error) {
      // Not retryable: the system accepted the call, so repeating it could create the lead or booking twice.
      throw new SwitchboardError({
        code: 'INTEGRATION_RESPONSE_INVALID',
        message: redact(
          `${target.name} ${method} ${path} answered ${status} with content-type ${contentType} but the body is not JSON: ${excerpt(text, context.hidden)}; the call may have taken effect, so it is not retried`,
          context.hidden,
        ),
        retryable: false,
        details: { integration: target.name, httpStatus: status, path },
        cause: error,
      });
    }
  }

  /** Closes kept-alive connections (shutdown). */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}

interface CallContext {
  target: IntegrationTarget;
  method: IntegrationRequest['method'];
  path: string;
  /** Strings never to appear in an error: the secret, and the signature once made. */
  hidden: string[];
}

function callFailed(
  { target, method, path, hidden }: CallContext,
  failure: { reason: string; retryable: boolean; httpStatus: number | null; timedOut: boolean; cause?: unknown },
): SwitchboardError {
  // `status` stays unset: this is the business's answer (or none), not one Switchboard gives over HTTP.
  return new SwitchboardError({
    code: 'INTEGRATION_CALL_FAILED',
    // The path only, never the query: queries often carry a customer's phone number or e-mail.
    message: redact(`${target.name} ${method} ${path} ${failure.reason}`, hidden),
    retryable: failure.retryable,
    details: { integration: target.name, httpStatus: failure.httpStatus, path, timedOut: failure.timedOut },
    ...(failure.cause === undefined ? {} : { cause: failure.cause }),
  });
}

/** 408 and 425 mean "too early or too slow, try again"; 429 asks for back-off; 5xx is the system's own trouble. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function hint(status: number, retryable: boolean): string {
  if (retryable) return 'retrying with back-off';
  if (status === 401 || status === 403) return 'the system rejected our signature or access; check the shared secret on both sides (not retried)';
  if (status === 404) return "check the integration's url and path (not retried)";
  if (status >= 300 && status < 400) return 'redirects are not followed; point the integration url at the final address (not retried)';
  return 'the system refused this request; see its answer (not retried)';
}

function buildUrl(base: string, path: string, query: Record<string, string> | undefined): string {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  if (query) for (const [key, value] of Object.entries(query)) url.searchParams.append(key, value);
  return url.toString();
}

/** The start of an answer's body on one line, at most MAX_EXCERPT characters, without the hidden strings. */
function excerpt(text: string, hidden: readonly string[]): string {
  const line = redact(text, hidden).replace(/\s+/g, ' ').trim();
  if (line === '') return '(empty body)';
  return line.length > MAX_EXCERPT ? `${line.slice(0, MAX_EXCERPT - 1)}…` : line;
}

function redact(text: string, hidden: readonly string[]): string {
  let redacted = text;
  for (const value of hidden) if (value !== '') redacted = redacted.split(value).join('[redacted]');
  return redacted;
}


let version: string | undefined;

/** Read once, on first use; the same relative path works from src/ (tests, tsx) and dist/ (built). */
function packageVersion(): string {
  if (version !== undefined) return version;
  try {
    const parsed = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    version = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    version = 'unknown';
  }
  return version;
}
