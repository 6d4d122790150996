import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'sha256=';

/**
 * Checks `X-Hub-Signature-256` over the exact bytes received. Tenants may belong to different Meta
 * apps, so the body is genuine when it matches any one configured app secret. Constant time per secret.
 */
export function verifySignature(raw: Buffer, header: string | undefined, secrets: readonly Buffer[]): boolean {
  if (!header || !header.startsWith(PREFIX) || header.length !== PREFIX.length + 64) return false;
  const received = Buffer.from(header.slice(PREFIX.length), 'hex');
  if (received.length !== 32) return false;
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(raw).digest();
    // No early exit: the time taken does not tell which secret matched.
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid;
}
