/**
 * What the participant and device admin routes share: the caller's access, reading OpenTera's
 * JSON bodies field by field, DELETE's required `id`, the answers' schemas, and publishing a
 * DatabaseEvent once a write has committed (a bus failure is logged: the write stands).
 */
import Type, { type TSchema } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { UserAccess } from '../access/access.js';
import type { UserAuth } from '../auth/authenticate.js';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { firstValue } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  ErrorBody,
  JsonText,
  UnauthorizedText,
  UserUnauthorized,
} from '../http/schemas.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { publishDatabaseEvent, type DbChange } from './events.js';

export type Json = Record<string, unknown>;

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** GET, POST and DELETE of a user route: tag `user`, Basic or token. */
export const userGetRoute = userGet;
export const userWriteRoute = (ctx: ApiContext, method: 'POST' | 'DELETE') =>
  ({
    method,
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: Parameters<typeof apiUser>[1]) => apiUser(ctx, request),
  }) as const;

const NO_ACCESS: Omit<UserAccess, 'userId' | 'userUuid'> = {
  kind: 'user',
  superadmin: false,
  siteIds: new Set(),
  projectIds: new Set(),
  participantUuids: new Set(),
  deviceUuids: new Set(),
  userUuids: new Set(),
  projectRoles: new Map(),
  siteRoles: new Map(),
  admin: {
    siteIds: new Set(),
    projectIds: new Set(),
    participantUuids: new Set(),
    deviceUuids: new Set(),
    userUuids: new Set(),
  },
};

/** The caller's access sets; none at all when the account vanished after authenticating. */
export async function accessOf(ctx: ApiContext, caller: UserAuth): Promise<UserAccess> {
  const uuid = caller.account.uuid;
  return (
    (await ctx.deps.access.userAccess(uuid)) ?? {
      ...NO_ACCESS,
      userId: caller.account.id,
      userUuid: uuid,
    }
  );
}

export const isSiteAdmin = (a: UserAccess, site: number): boolean =>
  a.superadmin || a.siteRoles.get(site) === 'admin';
export const isProjectAdmin = (a: UserAccess, project: number): boolean =>
  a.superadmin || a.projectRoles.get(project) === 'admin';

/** Publishes the DatabaseEvent of a committed write; a failure is logged, not answered. */
export async function publishChange(
  ctx: ApiContext,
  model: string,
  change: DbChange,
  object: Json,
): Promise<void> {
  try {
    await publishDatabaseEvent(ctx.deps, model, change, object);
  } catch (err) {
    ctx.deps.log.error({ err, model, change }, 'could not publish a database event');
  }
}

export const nowIso = (): string => new Date().toISOString();

/** An answer refusing a write: OpenTera's status and text. */
export interface Refusal {
  readonly status: number;
  readonly text: string;
}

export const refuse = (status: number, text: string): Refusal => ({ status, text });

export const isRefusal = (v: unknown): v is Refusal =>
  typeof v === 'object' && v !== null && 'text' in v && 'status' in v;

/** Carries a refusal out of a transaction so that it rolls back. */
class RolledBack extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.text);
  }
}

/**
 * Runs `work` in one transaction. A refusal it returns rolls back whatever it wrote and is
 * returned; any other result commits.
 */
export async function transact<T extends object>(
  ctx: ApiContext,
  work: (trx: Kysely<Database>) => Promise<T | Refusal>,
): Promise<T | Refusal> {
  try {
    return await ctx.deps.db.kysely.transaction().execute(async (trx) => {
      const result = await work(trx);
      if (isRefusal(result)) throw new RolledBack(result);
      return result;
    });
  } catch (err) {
    if (err instanceof RolledBack) return err.refusal;
    throw err;
  }
}

/** The request body as a JSON object, or null. */
export const bodyObject = (body: unknown): Json | null =>
  typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : null;

/** `body[key]` when it is a JSON object, or null. */
export const objectAt = (body: Json | null, key: string): Json | null =>
  body && Object.hasOwn(body, key) ? bodyObject(body[key]) : null;

export const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export type FieldType = 'string' | 'string?' | 'boolean' | 'int' | 'int?';
type FieldValue<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'string?'
    ? string | null
    : T extends 'boolean'
      ? boolean
      : T extends 'int'
        ? number
        : number | null;
export type Fields<S extends Record<string, FieldType>> = {
  -readonly [K in keyof S]?: FieldValue<S[K]>;
};

/**
 * The fields of `spec` present in `json`, each checked against its type (`?`: null allowed).
 * Fields not in `spec` are ignored, as OpenTera ignores unknown and read-only fields.
 */
export function readFields<S extends Record<string, FieldType>>(
  json: Json,
  spec: S,
): { ok: true; values: Fields<S> } | { ok: false; field: string } {
  const values: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(spec) as Array<[keyof S & string, FieldType]>) {
    if (!Object.hasOwn(json, name)) continue;
    const v = json[name];
    const nullable = type.endsWith('?');
    const base = type.replace('?', '');
    const ok =
      (v === null && nullable) ||
      (base === 'string' && typeof v === 'string') ||
      (base === 'boolean' && typeof v === 'boolean') ||
      (base === 'int' && isId(v));
    if (!ok) return { ok: false, field: name };
    values[name] = v;
  }
  return { ok: true, values: values as Fields<S> };
}

/** 400 for a body field of the wrong type. */
export const sendBadField = (reply: FastifyReply, field: string): FastifyReply =>
  sendText(reply, 400, `Invalid value for ${field}`);

/** OpenTera's 200 `null`: what a list answers when the caller may not see what it named. */
export const sendNull = (reply: FastifyReply): FastifyReply => sendJson(reply, 200, null);

/**
 * DELETE's required `id` (flask-restx's answer when it is missing or not an integer), or the
 * reply already sent.
 */
export function deleteId(query: unknown, reply: FastifyReply, help: string): number | FastifyReply {
  const raw = firstValue(query, 'id');
  if (raw === undefined)
    return sendJson(reply, 400, {
      errors: {
        id: `${help} Missing required parameter in the JSON body or the post body or the query string`,
      },
      message: 'Input payload validation failed',
    });
  const v = raw.trim();
  if (!/^[+-]?\d{1,15}$/.test(v))
    return sendJson(reply, 400, {
      errors: { id: `${help} invalid literal for int() with base 10: '${raw}'` },
      message: 'Input payload validation failed',
    });
  return Number(v);
}

/** A unique index refused the write (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** A foreign key refused the write (SQLite or PostgreSQL). */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: unknown } | null;
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Answers of the admin routes beside their 200: OpenTera's texts and the auth layer's. */
const BadRequest = Type.Union([JsonText, ArgsErrorBody, ErrorBody]);
export const commonAnswers = {
  400: BadRequest,
  401: UserUnauthorized,
  403: Type.Union([JsonText, UnauthorizedText]),
  429: ErrorBody,
  500: Type.Union([JsonText, ErrorBody]),
} as const;

/** The answers of a route whose 200 is `ok`. */
export const answers = (ok: TSchema): Record<number, TSchema> => ({ 200: ok, ...commonAnswers });
