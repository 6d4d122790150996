/** What a failed Graph API call means for the sender. */
export type GraphErrorKind =
  | 'rate_limit'
  | 'pair_rate_limit'
  | 'transient'
  | 'window_closed'
  | 'undeliverable'
  | 'auth'
  | 'config'
  | 'invalid'
  | 'policy'
  | 'unknown';

/** A failed Graph API call as seen by the client; `code` and `subcode` come from Meta's `error` object. */
export interface GraphErrorInput {
  httpStatus: number | null;
  code: number | null;
  subcode?: number | null;
  details?: string | null;
  networkError?: boolean;
}

/** Whether to retry, why, and the least wait before the retry in milliseconds (when Meta prescribes one). */
export interface GraphErrorClass {
  retryable: boolean;
  kind: GraphErrorKind;
  minDelayMs?: number;
}

const TRANSIENT: GraphErrorClass = { retryable: true, kind: 'transient' };
const RATE_LIMIT: GraphErrorClass = { retryable: true, kind: 'rate_limit' };

function permanent(kind: GraphErrorKind): GraphErrorClass {
  return { retryable: false, kind };
}

// Reference section 12. Meta says to branch on `error.code`, so a known code decides over the HTTP status.
const BY_CODE = new Map<number, GraphErrorClass>([
  [130429, RATE_LIMIT], // throughput of the business number
  [4, RATE_LIMIT], // app-level call limit
  [80007, RATE_LIMIT], // WABA-level rate limit
  [131056, { retryable: true, kind: 'pair_rate_limit', minDelayMs: 6000 }], // one message per 6 s to one user
  [1, TRANSIENT], // Graph "API Unknown", documented as possibly temporary
  [2, TRANSIENT], // Graph "API Service", temporary
  [131000, TRANSIENT],
  [131016, TRANSIENT],
  [131057, TRANSIENT], // number in maintenance for up to a minute
  [131047, permanent('window_closed')],
  [131026, permanent('undeliverable')],
  [131049, permanent('undeliverable')],
  [131050, permanent('undeliverable')],
  [190, permanent('auth')],
  [10, permanent('auth')], // the token lacks a permission; replacing it is the fix, as for 190
  [131030, permanent('config')],
  [132000, permanent('config')],
  [132001, permanent('config')],
  [133010, permanent('config')],
  [131062, permanent('config')],
  [100, permanent('invalid')],
  [131008, permanent('invalid')],
  [131009, permanent('invalid')],
  [131051, permanent('invalid')],
  [131048, permanent('policy')],
  [368, permanent('policy')],
]);

/**
 * Classifies a failed Graph API call (reference section 12): network errors, 5xx, HTTP 429 and the transient
 * codes are retryable; other known codes and any other 4xx are permanent. Without a status or code, retryable.
 */
export function classifyGraphError(input: GraphErrorInput): GraphErrorClass {
  if (input.networkError) return { ...TRANSIENT };
  const known = input.code === null ? undefined : BY_CODE.get(input.code);
  if (known) return { ...known };
  // Codes 200-299 are Graph's permission errors (403): the token, not the message, has to change.
  if (input.code !== null && input.code >= 200 && input.code <= 299) return permanent('auth');
  const status = input.httpStatus;
  if (status === 429) return { ...RATE_LIMIT };
  if (status !== null && status >= 500) return { ...TRANSIENT };
  if (status === 401) return permanent('auth');
  if (status !== null && status >= 400) return permanent('unknown');
  // No usable status (e.g. a 3xx from a proxy): the queue's retry cap bounds the cost of guessing wrong.
  return { retryable: true, kind: 'unknown' };
}
