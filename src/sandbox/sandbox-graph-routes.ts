import type { FastifyInstance } from 'fastify';
import { graphErrorBody } from './graph-error.js';
import type { Sandbox } from './sandbox.js';
import { sandboxDisabled } from './sandbox-disabled.js';

export interface SandboxGraphRoutesOptions {
  /** null outside sandbox mode: every route answers 404 SANDBOX_DISABLED. */
  sandbox: Sandbox | null;
}

/**
 * The stand-in's HTTP face, mounted at `/sandbox/graph`: `POST /{version}/{phone_number_id}/messages` answers
 * like Meta's Graph API. The Graph client reaches it in-process (see inProcessFetch); curl can reach it too.
 */
export async function sandboxGraphRoutes(app: FastifyInstance, options: SandboxGraphRoutesOptions): Promise<void> {
  const { sandbox } = options;
  // Meta's own answer to a body that is not JSON, rather than the framework's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/:version/:phoneNumberId/messages', async (request, reply) => {
    if (!sandbox) return sandboxDisabled(reply);
    const { version, phoneNumberId } = request.params as { version: string; phoneNumberId: string };
    if (!/^v\d+\.\d+$/.test(version)) {
      return reply.code(400).send(graphErrorBody({ httpStatus: 400, code: 2500, message: `Unknown path components: /${version}`, details: 'expected a Graph API version such as v25.0' }));
    }
    let body: unknown;
    try {
      body = typeof request.body === 'string' && request.body !== '' ? JSON.parse(request.body) : undefined;
    } catch {
      body = undefined;
    }
    const answer = sandbox.handleMessages(phoneNumberId, request.headers.authorization, body);
    return reply.code(answer.status).send(answer.json);
  });

  app.all('/*', async (request, reply) => {
    if (!sandbox) return sandboxDisabled(reply);
    return reply.code(400).send(
      graphErrorBody({ httpStatus: 400, code: 2500, message: `Unknown path components: ${request.url}`, details: 'the sandbox answers only POST /{version}/{phone_number_id}/messages' }),
    );
  });
}
