import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Header name: 'X-Switchboard-Signature'. Value 't=<unix seconds>,v1=<hex HMAC-SHA256 of `${t}.${body}` with the secret>'
 * (Stripe-style: the timestamp stops replays). Lower case, as Node reports incoming header names.
 */
export const SIGNATURE_HEADER = 'x-switchboard-signature';

// Stripe's default: wide enough for clock drift between us and a business's server, short enough to stop replays.
const DEFAULT_TOLERANCE_SEC = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** The SIGNATURE_HEADER value for `body` (the exact string sent, '' when there is none) at `timestampSec` (unix seconds). */
export function signPayload(secret: string, timestampSec: number, body: string): string {
  const t = Math.floor(timestampSec);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * For receivers (and our tests): constant-time check of the header against the body, rejecting timestamps more
 * than `toleranceSec` (default 300) away from `nowSec`. Several `v1=` entries are allowed; one match suffices.
 */
export function verifyPayloadSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSec: number,
  toleranceSec: number = DEFAULT_TOLERANCE_SEC,
): boolean {
  if (header === undefined || header.length > 1024) return false;
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return false;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !UNIX_SECONDS.test(value)) return false;
      timestamp = value;
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value)) return false;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other keys (future schemes such as v2) are ignored, as Stripe receivers do.
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const t = Number(timestamp);
  if (Math.abs(nowSec - t) > toleranceSec) return false;

  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  let valid = false;
  for (const signature of signatures) {
    // No early exit, so the time taken does not tell which entry matched.
    if (timingSafeEqual(expected, signature)) valid = true;
  }
  return valid;
}

function hmacHex(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex');
}
