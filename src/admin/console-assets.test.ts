import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleAssets } from './console-assets.js';

const root = mkdtempSync(path.join(tmpdir(), 'switchboard-console-'));
mkdirSync(path.join(root, 'assets'));
writeFileSync(path.join(root, 'index.html'), '<!doctype html><div id="app"></div>');
writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
writeFileSync(path.join(path.dirname(root), 'outside-console.txt'), 'secret');

async function server(options: { root: string }) {
  const app = Fastify();
  await app.register(consoleAssets, options);
  return app;
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(path.join(path.dirname(root), 'outside-console.txt'), { force: true });
});

describe('consoleAssets', () => {
  it('serves the page at /console/ and at any console route, uncached', async () => {
    const app = await server({ root });
    for (const url of ['/console/', '/console/inbox', '/console/inbox/tenant-a/15550100001']) {
      const response = await app.inject(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.body).toContain('<div id="app">');
    }
    expect((await app.inject('/console')).headers.location).toBe('/console/');
  });

  it('serves hashed assets with their type, cached for a year, and 404 for a missing one', async () => {
    const app = await server({ root });
    const asset = await app.inject('/console/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.body).toBe('console.log(1)');
    expect((await app.inject('/console/assets/index-old.js')).statusCode).toBe(404);
  });

  it('never serves a file outside its folder', async () => {
    const app = await server({ root });
    for (const url of ['/console/../outside-console.txt', '/console/%2e%2e/outside-console.txt', '/console/..%2foutside-console.txt']) {
      const response = await app.inject(url);
      expect(response.body, url).not.toContain('secret');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const app = await server({ root: path.join(root, 'missing') });
    const response = await app.inject('/console/');
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
  });
});
