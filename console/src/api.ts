// The admin API as the console uses it: one fetch wrapper and the shapes of the answers it reads.

/** An error answer of the admin API (`{ error, message }`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Mode = 'bot' | 'human';

/** `GET /admin/me`: the agency's admin (every tenant), or a business's staff token (one tenant). */
export interface Me {
  role: 'admin' | 'tenant';
  tenantId?: string;
  tokenId?: string;
}

export interface TenantHealth {
  /** No start-up problems and no dead letters waiting. */
  ok: boolean;
  problems: string[];
  messagesLastHour: number;
  pendingTurns: number;
  deadLetters: number;
  lastInboundAt: number | null;
}

export interface TenantSummary {
  id: string;
  name: string;
  language: string;
  timezone: string;
  phoneNumberId: string;
  provider: string;
  model: string;
  problems: string[];
  health: TenantHealth;
}

export interface ConversationSummary {
  tenantId: string;
  userId: string;
  contactName: string | null;
  mode: Mode;
  modeReason: string | null;
  modeChangedAt: number | null;
  lastActivityAt: number;
  lastInboundAt: number | null;
}

export type OutboxKind = 'reply' | 'escalation' | 'fallback' | 'agent_notification' | 'agent_message' | string;

/** One entry of `GET …/conversations/:userId/messages`: what the user sent, or what was sent to them. */
export type TranscriptEntry =
  | { direction: 'in'; id: string; at: number; waMessageId: string; type: string; text: string | null; ignoredReason: string | null; state: string }
  | {
      direction: 'out';
      id: string;
      at: number;
      kind: OutboxKind;
      text: string | null;
      body: Record<string, unknown>;
      delivery: { state: string; waMessageId: string | null; sentAt: number | null; errorCode: number | null; errorDetail: string | null };
    };

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  unit: string;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

export interface Order {
  id: string;
  tenantId: string;
  userId: string;
  status: string;
  currency: string;
  lines: OrderLine[];
  totalMinor: number;
  note: string | null;
  decidedBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduledFollowUp {
  key: string;
  dueAt: number;
  running: boolean;
  attempts: number;
  ruleId?: string;
  trigger?: string;
  userId?: string;
  subjectId?: string;
}

export interface FollowUpHistoryEntry {
  key: string;
  ruleId: string;
  trigger: string;
  userId: string;
  subjectId: string;
  status: string;
  via: string | null;
  reason: string | null;
  at: number;
  delivery: { state: string; errorCode: number | null; errorDetail: string | null } | null;
}

export interface DeadLetter {
  id: string;
  jobName: string;
  tenantId: string;
  key: string;
  attempts: number;
  error: string;
  failedAt: number;
  retriedAt: number | null;
}

/** Counts of one window or bucket (`GET /admin/tenants/:tenantId/figures`). */
export interface FigureValues {
  messagesIn: number;
  messagesOut: number;
  turns: number;
  escalations: number;
  leads: number;
  bookings: number;
  ordersPlaced: number;
  ordersPendingReview: number;
  modelTokens: number;
  replyTimeMs: { median: number | null; p95: number | null; count: number };
}

export interface Figures {
  tenantId: string;
  from: number;
  to: number;
  bucket: 'hour' | 'day';
  timezone: string;
  totals: FigureValues;
  /** One point per tenant-local hour or day, oldest first; `start` in Unix ms. */
  series: Array<{ start: number } & FigureValues>;
}

type Method = 'GET' | 'POST';

/** Calls the admin API with the session's bearer token; a 401 signs the console out (through `onUnauthorized`). */
export class Api {
  constructor(
    readonly token: string,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `the server did not answer (${(error as Error).message})`);
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const problem = (json ?? {}) as { error?: string; message?: string };
      if (response.status === 401) this.onUnauthorized();
      throw new ApiError(response.status, problem.error ?? `HTTP_${response.status}`, problem.message ?? (text.slice(0, 200) || response.statusText));
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }

  /** An EventSource URL: browsers cannot set headers on EventSource, so the token travels as a query parameter. */
  streamUrl(path: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ ...query, access_token: this.token });
    return `${path}?${params.toString()}`;
  }
}

/** `/admin/tenants/:tenant/...` with each segment encoded. */
export function tenantPath(tenantId: string, ...rest: string[]): string {
  return ['/admin/tenants', tenantId, ...rest].map((part, index) => (index === 0 ? part : encodeURIComponent(part))).join('/');
}
