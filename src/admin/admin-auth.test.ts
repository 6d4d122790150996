import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { AccessToken, AccessTokenStore } from '../ports/access-token-store.js';
import { silentLogger } from '../shared/logger.js';
import { createAdminAuth, hashToken, newScopedToken } from './admin-auth.js';
import type { RouteAccess } from './route-doc.js';

/** Tokens in a map, as the SQL store keeps them: by hash. */
class MemoryTokens implements AccessTokenStore {
  readonly byHash = new Map<string, AccessToken & { hash: string }>();
  async create(token: { id: string; tenantId: string; name: string; hash: string }, now: number) {
    const created = { id: token.id, tenantId: token.tenantId, name: token.name, createdAt: now, revokedAt: null };
    this.byHash.set(token.hash, { ...created, hash: token.hash });
    return created;
  }
  async findActive(hash: string) {
    const found = this.byHash.get(hash);
    return found && found.revokedAt === null ? found : null;
  }
  async list() {
    return [...this.byHash.values()];
  }
  async revoke(id: string, now: number) {
    const found = [...this.byHash.values()].find((token) => token.id === id && token.revokedAt === null);
    if (found) found.revokedAt = now;
    return found !== undefined;
  }
}

const ADMIN = 'admin-token-0123456789';

async function serve(adminToken: string | undefined) {
  const tokens = new MemoryTokens();
  const auth = createAdminAuth({ adminToken, tokens, log: silentLogger() });
  const app = Fastify();
  app.addHook('onRequest', auth.authenticate);
  const route = (url: string, access: RouteAccess, queryToken = false) =>
    app.get(url, { config: { openapi: { tag: 't', summary: 's', access, response: 'text/event-stream', queryToken } } }, async (request) => auth.principalOf(request));
  route('/public', 'public');
  route('/admin-only', 'admin');
  route('/tenants/:tenantId/thing', 'tenant');
  route('/stream', 'tenant', true);
  app.get('/undescribed', async () => 'open?');
  const staff = newScopedToken();
  await tokens.create({ id: 'tok_1', tenantId: 'dental', name: 'desk', hash: hashToken(staff) }, 1);
  return { app, tokens, staff };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin authentication', () => {
  it('tells the admin from a tenant token, and refuses anything else with 401', async () => {
    const { app, staff } = await serve(ADMIN);
    expect((await app.inject({ url: '/tenants/any/thing', headers: bearer(ADMIN) })).json()).toEqual({ role: 'admin' });
    expect((await app.inject({ url: '/tenants/dental/thing', headers: bearer(staff) })).json()).toEqual({ role: 'tenant', tokenId: 'tok_1', tenantId: 'dental' });
    for (const headers of [{}, bearer('nope'), bearer(`${staff}x`), { authorization: ADMIN }]) {
      const answer = await app.inject({ url: '/tenants/dental/thing', headers });
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('keeps a tenant token to its tenant and away from admin-only and undescribed routes', async () => {
    const { app, staff } = await serve(ADMIN);
    for (const url of ['/tenants/other/thing', '/admin-only', '/undescribed']) {
      const answer = await app.inject({ url, headers: bearer(staff) });
      expect(answer.statusCode, url).toBe(403);
      expect(answer.json().error).toBe('FORBIDDEN');
    }
    expect((await app.inject({ url: '/admin-only', headers: bearer(ADMIN) })).statusCode).toBe(200);
  });

  it('refuses a revoked token at once', async () => {
    const { app, tokens, staff } = await serve(ADMIN);
    await tokens.revoke('tok_1', 2);
    expect((await app.inject({ url: '/tenants/dental/thing', headers: bearer(staff) })).statusCode).toBe(401);
  });

  it('takes ?access_token= only on routes that allow it', async () => {
    const { app, staff } = await serve(ADMIN);
    expect((await app.inject({ url: `/stream?access_token=${staff}` })).statusCode).toBe(200);
    expect((await app.inject({ url: `/tenants/dental/thing?access_token=${staff}` })).statusCode).toBe(401);
  });

  it('answers 503 without ADMIN_TOKEN, tenant tokens included, but serves public routes', async () => {
    const { app, staff } = await serve(undefined);
    const answer = await app.inject({ url: '/tenants/dental/thing', headers: bearer(staff) });
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error).toBe('ADMIN_DISABLED');
    expect((await app.inject({ url: '/public' })).statusCode).toBe(200);
  });
});
