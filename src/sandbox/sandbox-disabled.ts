import type { FastifyReply } from 'fastify';

/** The answer of every sandbox and simulator route outside sandbox mode. */
export function sandboxDisabled(reply: FastifyReply) {
  return reply.code(404).send({
    error: 'SANDBOX_DISABLED',
    message: 'the WhatsApp sandbox is off (live mode): start the server with WHATSAPP_SANDBOX=1 (npm start does) to use the simulator',
  });
}
