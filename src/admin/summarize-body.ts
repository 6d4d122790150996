/** Longest string kept in an audit entry; message text beyond it is cut. */
export const AUDIT_TEXT_LIMIT = 200;

const SECRET_KEY = /token|secret|password|authorization|api_?key/i;
const MAX_KEYS = 20;

/**
 * What the audit log keeps of a request body: top-level fields, with anything that looks like a secret
 * replaced by `[redacted]`, strings cut to 200 characters and nested values to 200 characters of JSON.
 * Null when there was no JSON object body.
 */
export function summarizeBody(body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) return null;
  const summary: Record<string, unknown> = {};
  const entries = Object.entries(body as Record<string, unknown>);
  for (const [key, value] of entries.slice(0, MAX_KEYS)) {
    if (SECRET_KEY.test(key)) summary[key] = '[redacted]';
    else if (typeof value === 'string') summary[key] = cut(value);
    else if (value === null || typeof value === 'number' || typeof value === 'boolean') summary[key] = value;
    else summary[key] = cut(JSON.stringify(value) ?? String(value));
  }
  if (entries.length > MAX_KEYS) summary['…'] = `${entries.length - MAX_KEYS} more fields`;
  return summary;
}

function cut(text: string): string {
  return text.length <= AUDIT_TEXT_LIMIT ? text : `${text.slice(0, AUDIT_TEXT_LIMIT)}… (${text.length} characters)`;
}
