import { Agent, request } from 'undici';

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the model providers built on undici's request API: the same HTTP client as the
 * global fetch, without its web-streams layer, which costs more CPU than the rest of a turn.
 * The whole answer is read before it is returned, which fits generateText (no streaming).
 */
export function createRequestFetch(agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 })): typeof fetch {
  const requestFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (input instanceof Request || (init?.body !== undefined && init.body !== null && typeof init.body !== 'string')) {
      return globalThis.fetch(input, init);
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const response = await request(input, {
      method: (init?.method ?? 'GET') as 'GET',
      headers,
      body: init?.body ?? null,
      signal: init?.signal ?? null,
      dispatcher: agent,
    });
    const body = await response.body.arrayBuffer();
    const responseHeaders = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (Array.isArray(value)) value.forEach((item) => responseHeaders.append(key, item));
      else if (value !== undefined) responseHeaders.set(key, value);
    }
    return new Response(NULL_BODY_STATUS.has(response.statusCode) ? null : body, { status: response.statusCode, headers: responseHeaders });
  };
  return requestFetch as typeof fetch;
}
