/**
 * The one error class of Switchboard. `code` is stable (UPPER_SNAKE, never reused) and documented in
 * docs/errors.md; `retryable` is decided where the error is born and steers the job queue.
 */
export class SwitchboardError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: {
    code: string;
    message: string;
    retryable?: boolean;
    status?: number;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.details = options.details;
  }
}

/** True when a failure may succeed if tried again (network, 5xx, rate limits). Unknown errors are retryable. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof SwitchboardError) return error.retryable;
  return true;
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof SwitchboardError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'UNEXPECTED', message: error.message };
  return { code: 'UNEXPECTED', message: String(error) };
}
