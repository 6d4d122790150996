import type { FastifyInstance } from 'fastify';

/** The base URL the Graph client is given in sandbox mode; inProcessFetch serves it without a socket. */
export const SANDBOX_GRAPH_URL = 'http://in-process/sandbox/graph';

/**
 * A `fetch` that hands each request to the server's own routes (Fastify's inject; `http` is read at call time): the Graph client talks to
 * the sandbox's real HTTP handlers without knowing the listen address and without a network hop, so sends work
 * from the first moment, in every role, and cannot leave the machine whatever the URL says.
 */
export function inProcessFetch(http: () => FastifyInstance): typeof fetch {
  const handler = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const response = await http().inject({
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      url: `${url.pathname}${url.search}`,
      headers,
      ...(typeof init.body === 'string' ? { payload: init.body } : {}),
    });
    return new Response(response.statusCode === 204 ? null : response.body, {
      status: response.statusCode,
      headers: { 'content-type': String(response.headers['content-type'] ?? 'application/json') },
    });
  };
  return handler as typeof fetch;
}
