/**
 * OpenTera's answer bodies: the auth layer answers the text `Unauthorized`; a resource's own
 * errors and status strings are JSON-encoded strings; argument errors are flask-restx objects.
 * TeraRelay's own refusals (429) are `{code, message}`.
 */
import type { FastifyReply } from 'fastify';
import type { Refusal } from '../auth/authenticate.js';
import type { ArgsError } from './query.js';

/**
 * OpenTera's JSON bodies carry exactly `Content-Type: application/json` (its clients' tests
 * compare for equality); a Buffer body keeps Fastify from appending `; charset=utf-8`.
 */
function sendJsonText(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).type('application/json').send(Buffer.from(json));
}

/** A JSON-encoded string body, e.g. `"User logged out."`. */
export function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return sendJsonText(reply, status, JSON.stringify(text));
}

/** A JSON object or array body. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return sendJsonText(reply, status, JSON.stringify(body));
}

export function sendArgsError(reply: FastifyReply, body: ArgsError): FastifyReply {
  return sendJson(reply, 400, body);
}

/** The answer to a refused authentication. */
export function sendRefusal(reply: FastifyReply, r: Refusal): FastifyReply {
  switch (r.refusal) {
    case 'unauthorized':
      return reply.code(401).type('text/html; charset=utf-8').send('Unauthorized');
    case 'insufficient-role':
      return reply.code(403).type('text/html; charset=utf-8').send('Unauthorized');
    case 'login-first':
      return sendJson(reply, 401, { message: r.message });
    case 'device':
      return sendText(reply, 401, r.message);
    case 'throttled':
      reply.header('retry-after', String(r.retryAfterSeconds));
      return sendJson(reply, 429, {
        code: 'TOO_MANY_REQUESTS',
        message: 'Too many failed logins from this address; try again later',
      });
  }
}
