import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signPayload, verifyPayloadSignature } from './sign-payload.js';

const SECRET = 'whsec-crm-7f3a';
const NOW = 1_760_000_000;
const BODY = '{"name":"Ana","phone":"+5511987654321"}';

describe('signPayload', () => {
  it('signs `${t}.${body}` with HMAC-SHA256 in the Stripe-style format', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
    expect(signPayload(SECRET, NOW, BODY)).toBe(`t=${NOW},v1=${expected}`);
  });
});

describe('verifyPayloadSignature', () => {
  it('accepts its own signature, an empty body and a clock within the tolerance', () => {
    expect(verifyPayloadSignature(SECRET, signPayload(SECRET, NOW, BODY), BODY, NOW)).toBe(true);
    expect(verifyPayloadSignature(SECRET, signPayload(SECRET, NOW, ''), '', NOW)).toBe(true);
    expect(verifyPayloadSignature(SECRET, signPayload(SECRET, NOW, BODY), BODY, NOW + 300)).toBe(true);
    expect(verifyPayloadSignature(SECRET, signPayload(SECRET, NOW, BODY), BODY, NOW - 300)).toBe(true);
  });

  it('rejects a tampered body', () => {
    const header = signPayload(SECRET, NOW, BODY);
    expect(verifyPayloadSignature(SECRET, header, BODY.replace('Ana', 'Bia'), NOW)).toBe(false);
    expect(verifyPayloadSignature(SECRET, header, `${BODY} `, NOW)).toBe(false);
  });

  it('rejects another secret', () => {
    expect(verifyPayloadSignature('another-secret', signPayload(SECRET, NOW, BODY), BODY, NOW)).toBe(false);
  });

  it('rejects a timestamp outside the tolerance, and a signature moved to a new timestamp', () => {
    const header = signPayload(SECRET, NOW, BODY);
    expect(verifyPayloadSignature(SECRET, header, BODY, NOW + 301)).toBe(false);
    expect(verifyPayloadSignature(SECRET, header, BODY, NOW - 301)).toBe(false);
    expect(verifyPayloadSignature(SECRET, header, BODY, NOW + 60, 30)).toBe(false);
    const replayed = header.replace(`t=${NOW}`, `t=${NOW + 1000}`);
    expect(verifyPayloadSignature(SECRET, replayed, BODY, NOW + 1000)).toBe(false);
  });

  it('rejects missing and malformed headers', () => {
    const valid = signPayload(SECRET, NOW, BODY);
    const hex = valid.split('v1=')[1]!;
    for (const header of [
      undefined,
      '',
      'garbage',
      `v1=${hex}`,
      `t=${NOW}`,
      `t=${NOW},v1=`,
      `t=${NOW},v1=${hex.slice(0, 63)}`,
      `t=${NOW},v1=${hex.toUpperCase()}zz`,
      `t=abc,v1=${hex}`,
      `t=${NOW},t=${NOW},v1=${hex}`,
      `t=${NOW},,v1=${hex}`,
      `sha256=${hex}`,
    ]) {
      expect(verifyPayloadSignature(SECRET, header, BODY, NOW), String(header)).toBe(false);
    }
  });

  it('accepts a header with several v1 entries when one matches, and ignores unknown schemes', () => {
    const hex = signPayload(SECRET, NOW, BODY).split('v1=')[1]!;
    expect(verifyPayloadSignature(SECRET, `t=${NOW},v1=${'0'.repeat(64)},v1=${hex},v0=old`, BODY, NOW)).toBe(true);
  });
});
