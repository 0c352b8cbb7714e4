/**
 * What the site, project, user group and access routes share: reading OpenTera's JSON bodies
 * (`{"<key>": {...}}`), its integer fields (Python `int()`: integers and decimal strings),
 * the required `id` of a DELETE, and the access snapshot of one request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sendArgsError, sendText } from '../http/replies.js';
import { loadAccessSnapshot } from '../store/queries/admin-access.js';
import type { Database } from '../store/schema.js';
import { AccessModel } from './sites-access-model.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value under `key` of the request's JSON object body, or undefined. */
export function bodyField(request: FastifyRequest, key: string): unknown {
  const body: unknown = request.body;
  return isObject(body) ? body[key] : undefined;
}

/** An integer as Python's `int()` reads it (a JSON integer, or a decimal string), or null. */
export function toInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string' && /^\s*[+-]?\d{1,15}\s*$/.test(v)) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** The items of a body field that may be one object or a list of them; null if not objects. */
export function objectList(v: unknown): JsonObject[] | null {
  const items = Array.isArray(v) ? v : [v];
  return items.every(isObject) ? items : null;
}

/**
 * flask-restx's answer to a DELETE without its required `id` (the parser reads the JSON body,
 * the form and the query string).
 */
export function sendMissingId(reply: FastifyReply, help: string): FastifyReply {
  return sendArgsError(reply, {
    errors: {
      id: `${help} Missing required parameter in the JSON body or the post body or the query string`,
    },
    message: 'Input payload validation failed',
  });
}

/** The access model of the database as `k` sees it (inside a transaction: its snapshot). */
export async function loadModel(k: Kysely<Database>): Promise<AccessModel> {
  return new AccessModel(await loadAccessSnapshot(k));
}

/** A failure OpenTera answers with a JSON text and a status, thrown out of a transaction. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

/** Runs `body`, turning a Refusal into its answer. */
export async function answerRefusal(
  reply: FastifyReply,
  body: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof Refusal) return sendText(reply, e.status, e.text);
    throw e;
  }
}
