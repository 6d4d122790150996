import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import { errorBody, type RouteDoc } from './route-doc.js';

/** An /admin route as registered, with its description when it has one. */
export interface RegisteredRoute {
  method: string;
  url: string;
  doc: RouteDoc | undefined;
}

/**
 * Collects every route under /admin as Fastify registers it (a root `onRoute` hook, so routes of other
 * plugins count too): the OpenAPI document is built from what exists, not from a list kept by hand.
 * Call before registering the routes.
 */
export function collectAdminRoutes(http: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  http.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/admin')) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue; // Fastify adds one for every GET by itself
      routes.push({ method, url: route.url, doc: route.config?.openapi });
    }
  });
  return routes;
}

/** The admin API's version: its major part changes only with a change that breaks clients. */
export const API_VERSION = '1.0.0';

const COMMON_ERRORS: Record<number, string> = {
  400: 'REQUEST_INVALID: a parameter or the body failed validation',
  401: 'UNAUTHORIZED: no token, or not a valid one',
  403: 'FORBIDDEN: a tenant token reaching another tenant, or an admin-only route',
  503: 'ADMIN_DISABLED: ADMIN_TOKEN is not set',
};

/** JSON Schema 2020-12 (what OpenAPI 3.1 speaks) of a zod schema, as requests send it or answers carry it. */
function jsonSchema(schema: ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Path or query parameters from an object schema: one OpenAPI parameter per property. */
function parameters(schema: ZodType | undefined, where: 'path' | 'query'): Array<Record<string, unknown>> {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

/** `/admin/tenants/:tenantId` → `/admin/tenants/{tenantId}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of the admin API, from the registered routes and their descriptions. A route
 * without a description is still listed (marked `x-undocumented`), so that nothing registered is hidden.
 */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const doc = route.doc;
    const pathParameters = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${route.url.replace(/^\/admin/, '').replace(/[/:{}-]+(\w)?/g, (_, letter: string | undefined) => (letter ?? '').toUpperCase())}`,
    };
    if (!doc) {
      Object.assign(operation, {
        summary: `${route.method} ${route.url}`,
        'x-undocumented': true,
        parameters: pathParameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        responses: { 200: { description: 'OK' } },
      });
    } else {
      const errors = { ...(doc.access === 'public' ? {} : COMMON_ERRORS), ...doc.errors };
      Object.assign(operation, {
        tags: [doc.tag],
        summary: doc.summary,
        ...(doc.description ? { description: doc.description } : {}),
        'x-access': doc.access,
        ...(doc.access === 'public' ? { security: [] } : {}),
        parameters: [
          ...(doc.params ? parameters(doc.params, 'path') : pathParameters.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))),
          ...parameters(doc.query, 'query'),
          ...(doc.queryToken
            ? [{ name: 'access_token', in: 'query', required: false, description: 'The bearer token, for clients that cannot send headers (EventSource)', schema: { type: 'string' } }]
            : []),
        ],
        ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } } : {}),
        responses: {
          200: {
            description: 'OK',
            content:
              doc.response === 'text/event-stream'
                ? { 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events: `event: <type>` and `data: <JSON>`' } } }
                : { 'application/json': { schema: jsonSchema(doc.response, 'output') } },
          },
          ...Object.fromEntries(
            Object.entries(errors).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
          ),
        },
      });
    }
    (paths[openApiPath(route.url)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard admin API',
      version: API_VERSION,
      description:
        'Operate the tenants of one Switchboard server. Send `Authorization: Bearer <token>`: ADMIN_TOKEN (the agency, every tenant) ' +
        'or a tenant token from `POST /admin/tokens` (one tenant). Errors are `{ error, message }` with the codes of docs/errors.md.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or a tenant token (`sbt_…`)' } },
      schemas: { Error: jsonSchema(errorBody, 'output') },
    },
    paths,
  };
}
