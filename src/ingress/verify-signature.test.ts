import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './verify-signature.js';

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[{"x":"caf\\u00e9"}]}');
const sign = (secret: string, raw: Buffer = body) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
const secrets = [Buffer.from('app-one-secret'), Buffer.from('app-two-secret')];

describe('verifySignature', () => {
  it('accepts a body signed with any configured app secret', () => {
    expect(verifySignature(body, sign('app-one-secret'), secrets)).toBe(true);
    expect(verifySignature(body, sign('app-two-secret'), secrets)).toBe(true);
  });

  it('rejects another secret, a changed body, and malformed headers', () => {
    expect(verifySignature(body, sign('someone-else'), secrets)).toBe(false);
    expect(verifySignature(Buffer.from(body.toString().replace('\\u00e9', 'é')), sign('app-one-secret'), secrets)).toBe(false);
    expect(verifySignature(body, undefined, secrets)).toBe(false);
    expect(verifySignature(body, sign('app-one-secret').slice('sha256='.length), secrets)).toBe(false);
    expect(verifySignature(body, 'sha256=' + 'zz'.repeat(32), secrets)).toBe(false);
    expect(verifySignature(body, sign('app-one-secret').slice(0, -2), secrets)).toBe(false);
    expect(verifySignature(body, sign('app-one-secret'), [])).toBe(false);
  });
});
