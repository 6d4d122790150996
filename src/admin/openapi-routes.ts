import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildOpenApiDocument, type RegisteredRoute } from './openapi.js';

/** `GET /openapi.json`: the admin API's OpenAPI 3.1 document, without a token (it describes, it does not reveal). */
export async function openApiRoutes(app: FastifyInstance, options: { routes: readonly RegisteredRoute[] }): Promise<void> {
  let document: Record<string, unknown> | null = null;
  app.get(
    '/openapi.json',
    {
      config: {
        openapi: {
          tag: 'meta',
          summary: 'This document (OpenAPI 3.1)',
          access: 'public',
          response: z.looseObject({ openapi: z.string() }),
        },
      },
    },
    // Built on first use: by then every route is registered.
    async () => (document ??= buildOpenApiDocument(options.routes)),
  );
}
