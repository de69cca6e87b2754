import type { FastifyReply } from 'fastify';

/** Deletes answer 200 with the JSON string "OK": every client parses a 2xx body as JSON. */
export function sendOk(reply: FastifyReply) {
  return reply.code(200).type('application/json; charset=utf-8').send('"OK"');
}
