/**
 * What the session, session type and undelete routes share: the caller's access, OpenTera's
 * argument errors for what query.ts does not parse (required `id`, dates), reading a JSON body
 * as OpenTera's handlers do, and publishing a DatabaseEvent once a write has committed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import type { UserAuth } from '../auth/authenticate.js';
import type { ApiContext } from '../http/context.js';
import { sendArgsError } from '../http/replies.js';
import { ArgsErrorBody, ErrorBody, JsonText, UserUnauthorized } from '../http/schemas.js';
import { publishDatabaseEvent, type DbChange } from './events.js';
import type { TSchema } from 'typebox';

/** A refusal inside a write's transaction: rolls it back and becomes the answer (OpenTera's text). */
export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text);
  }
}

/** The caller's access; null when the account vanished since it authenticated. */
export function accessOf(ctx: ApiContext, caller: UserAuth): Promise<UserAccess | null> {
  return ctx.deps.access.userAccess(caller.account.uuid);
}

/** Answers every admin route may give besides its own: auth refusals, throttling. */
export function adminResponses(answers: Record<number, TSchema>): Record<number, TSchema> {
  return { 401: UserUnauthorized, 429: ErrorBody, ...answers };
}

/** A 400 that is either OpenTera's text or an argument error. */
export const BadRequest = Type.Union([JsonText, ArgsErrorBody]);

/** The DELETE routes' required `id`; answers OpenTera's argument error when it is missing. */
export function requireId(reply: FastifyReply, id: number | undefined): id is number {
  if (id !== undefined) return true;
  sendArgsError(reply, {
    errors: { id: 'Missing required parameter in the query string' },
    message: 'Input payload validation failed',
  });
  return false;
}

/**
 * A `YYYY-mm-dd` argument (flask-restx `inputs.date`) as the UTC instant its day starts, or
 * null after answering OpenTera's argument error.
 */
export function dateArg(
  reply: FastifyReply,
  name: string,
  value: string | undefined,
): Date | undefined | null {
  if (value === undefined) return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d)
      return date;
  }
  sendArgsError(reply, {
    errors: { [name]: `time data '${value}' does not match format '%Y-%m-%d'` },
    message: 'Input payload validation failed',
  });
  return null;
}

/** The JSON body as an object (OpenTera reads `request.json[...]`); anything else is `{}`. */
export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return isObject(body) ? body : {};
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON integer (Python `int`; a bool is not one here). */
export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Publishes a DatabaseEvent after its write committed. The write stands whatever happens to the
 * bus, so a failure is logged rather than turned into an error answer for a change that was made.
 */
export async function publishAfterCommit(
  ctx: ApiContext,
  request: FastifyRequest,
  model: string,
  change: DbChange,
  object: Readonly<Record<string, unknown>>,
): Promise<void> {
  try {
    await publishDatabaseEvent(ctx.deps, model, change, object);
  } catch (err) {
    request.log.error({ err, model, change }, 'DatabaseEvent not published');
  }
}
