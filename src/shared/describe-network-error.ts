/**
 * A network failure in one line. undici reports "fetch failed" (or a bare message) and puts the reason
 * (ECONNREFUSED, ENOTFOUND, ...) in `cause` or `code`, which is the part a person needs to read.
 */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
  if (cause && typeof cause.message === 'string') return `${error.message} (${cause.message})`;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return `${error.message} (${code})`;
  return error.message;
}
