import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface ConsoleAssetsOptions {
  /** The folder of the built console (`index.html`, `assets/`); default: `dist/console` found from this file. */
  root?: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where `npm run build` puts the console: `dist/console`, which is `../console` from the compiled `dist/admin/`
 * and `../../dist/console` from `src/admin/` (tsx, tests).
 */
export function defaultConsoleRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../console'), path.resolve(here, '../../dist/console')];
  return candidates.find((candidate) => existsSync(path.join(candidate, 'index.html'))) ?? candidates[candidates.length - 1]!;
}

/**
 * Serves the built web console at `/console` and `/console/*`: files from its folder, and `index.html` for
 * every other path (the console routes in the browser). Hashed files under `assets/` are cached for a year;
 * `index.html` is never cached, so a new build is picked up at the next load.
 */
export async function consoleAssets(app: FastifyInstance, options: ConsoleAssetsOptions = {}): Promise<void> {
  const root = path.resolve(options.root ?? defaultConsoleRoot());
  const indexFile = path.join(root, 'index.html');

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(indexFile)) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send(`The console is not built: run \`npm run build\` (it writes ${path.relative(process.cwd(), root) || root}).`);
    }
    return reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .type(contentTypes['.html']!)
      .send(createReadStream(indexFile));
  };

  app.get('/console', async (_request, reply) => reply.redirect('/console/', 301));
  app.get('/console/*', async (request, reply) => {
    const wildcard = (request.params as { '*': string })['*'] ?? '';
    let relative: string;
    try {
      relative = decodeURIComponent(wildcard.split('?')[0]!);
    } catch {
      return reply.code(400).send({ error: 'CONSOLE_PATH_INVALID', message: 'the path is not valid percent-encoding' });
    }
    const file = path.resolve(root, `.${path.posix.sep}${relative}`);
    // Anything resolving outside the console's folder (`..`, absolute paths) is not a file of it.
    const inside = file === root || file.startsWith(`${root}${path.sep}`);
    const stats = inside && relative !== '' ? statOrNull(file) : null;
    if (stats?.isFile()) {
      const type = contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      const immutable = relative.startsWith('assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('content-length', stats.size)
        .type(type)
        .send(createReadStream(file));
    }
    // A missing hashed asset is a 404 (an old page asking for a replaced build), not the page itself.
    if (relative.startsWith('assets/') || path.extname(relative) !== '') {
      return reply.code(404).send({ error: 'CONSOLE_FILE_NOT_FOUND', message: `no console file ${relative}` });
    }
    return sendIndex(reply);
  });
}

function statOrNull(file: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
