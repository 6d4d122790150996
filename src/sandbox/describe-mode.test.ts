import { describe, expect, it } from 'vitest';
import { describeMode, ownUrls } from './describe-mode.js';
import { resolveAdminToken } from './sandbox-credentials.js';

describe('describeMode', () => {
  it('names live mode with the Graph API URL and version', () => {
    expect(describeMode({ sandbox: false, publicUrl: 'http://localhost:3000', graphUrl: 'https://graph.facebook.com/', apiVersion: 'v25.0' })).toBe(
      'live mode: Graph API at https://graph.facebook.com/v25.0',
    );
  });

  it('names sandbox mode with the console, and prints only a generated admin token', () => {
    const generated = describeMode({ sandbox: true, publicUrl: 'http://localhost:3000', graphUrl: 'x', apiVersion: 'v25.0', generatedAdminToken: 'abc123' });
    expect(generated).toBe(
      'sandbox mode: WhatsApp is simulated (no messages leave this machine); console at http://localhost:3000/console, admin token abc123 (generated for this run; set ADMIN_TOKEN to choose one)',
    );
    expect(describeMode({ sandbox: true, publicUrl: 'http://localhost:3000', graphUrl: 'x', apiVersion: 'v25.0' })).toMatch(/admin token from ADMIN_TOKEN$/);
  });
});

describe('ownUrls', () => {
  it('calls itself over loopback when listening on every address', () => {
    expect(ownUrls({ address: '0.0.0.0', family: 'IPv4', port: 3000 })).toEqual({ loopback: 'http://127.0.0.1:3000', public: 'http://localhost:3000' });
    expect(ownUrls({ address: '::', family: 'IPv6', port: 3000 })).toEqual({ loopback: 'http://127.0.0.1:3000', public: 'http://localhost:3000' });
    expect(ownUrls({ address: '127.0.0.1', family: 'IPv4', port: 8080 })).toEqual({ loopback: 'http://127.0.0.1:8080', public: 'http://127.0.0.1:8080' });
    expect(ownUrls({ address: '::1', family: 'IPv6', port: 8080 })?.loopback).toBe('http://[::1]:8080');
    expect(ownUrls(null)).toBeNull();
  });
});

describe('resolveAdminToken', () => {
  it('keeps a configured token, generates one only in sandbox mode', () => {
    expect(resolveAdminToken('configured-token-123', true)).toEqual({ token: 'configured-token-123', generated: false });
    expect(resolveAdminToken(undefined, false)).toEqual({ token: undefined, generated: false });
    const generated = resolveAdminToken(undefined, true);
    expect(generated.generated).toBe(true);
    expect(generated.token).toMatch(/^[0-9a-f]{48}$/);
    expect(resolveAdminToken(undefined, true).token).not.toBe(generated.token);
  });
});
