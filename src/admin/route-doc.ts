import { z, type ZodType } from 'zod';

/**
 * Who may call a route: `public` (no token: the OpenAPI document), `admin` (the agency's ADMIN_TOKEN
 * only), `tenant` (the admin, or a token scoped to the tenant the request names).
 */
export type RouteAccess = 'public' | 'admin' | 'tenant';

/**
 * What the OpenAPI document says about one route, kept next to the route (`config: { openapi }`).
 * The access level is also what the authentication enforces, so the document cannot say otherwise.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  access: RouteAccess;
  params?: ZodType;
  query?: ZodType;
  body?: ZodType;
  /** The 200 answer's JSON, or `text/event-stream` for a stream. */
  response: ZodType | 'text/event-stream';
  /** Error statuses this route answers besides the ones every route may (400, 401, 403, 503), with when. */
  errors?: Record<number, string>;
  /** Accept the token as `?access_token=` too (EventSource cannot send headers). */
  queryToken?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's OpenAPI description and access level (admin API routes). */
    openapi?: RouteDoc;
  }
}

/** Every error answer of the API: a stable code (docs/errors.md) and a message for people. */
export const errorBody = z.object({
  error: z.string().describe('Stable UPPER_SNAKE code, listed in docs/errors.md'),
  message: z.string(),
});
