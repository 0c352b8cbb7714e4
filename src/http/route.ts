/**
 * How an API route is declared and mounted. A route declares its query arguments once: that
 * declaration is both the query string schema of the OpenAPI document and the parser of the
 * request (query.ts: OpenTera's rules and error bodies). A request runs authenticate → parse
 * the arguments → handle: a refused caller is answered before its arguments are read, and a
 * bad argument before the handler runs.
 *
 * OpenTera's routes (the default) are neither validated nor serialized by Fastify: their
 * schemas document, their handlers send ready-made JSON, and the other methods on their path
 * answer 405 as Flask does. TeraRelay's own routes (`own: true`) have Fastify validate their
 * body against the declared schema and serialize their answers; their errors are
 * `{code, message}` (AppError), and other methods on their path are unknown routes (404).
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  RouteOptions,
} from 'fastify';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { isRefusal, type Refusal } from '../auth/authenticate.js';
import { parseArgs, type Args, type ArgSpec } from './query.js';
import { sendArgsError, sendJson, sendRefusal } from './replies.js';
import { querySchema, type Security } from './schemas.js';

/** What a handler is given: the request, its caller and its parsed arguments. */
export interface Call<C, S extends ArgSpec> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly caller: C;
  readonly args: Args<S>;
}

export interface RouteDecl<C extends object, S extends ArgSpec> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security: Security;
  /** The query arguments, all optional; absent: none are read. */
  readonly args?: S;
  /** Refuse arguments that `args` does not declare (400 `Unknown arguments: …`). */
  readonly strictArgs?: boolean;
  /** The JSON body: documented; validated by Fastify only on `own` routes. */
  readonly body?: TSchema;
  /** Parses this route's `application/json` bodies instead of the app's parser (throws an AppError to refuse). */
  readonly parseJson?: (text: string) => unknown;
  /**
   * Status → the schema of that answer. The OpenAPI document describes each (the schema's own
   * `description`, else the status's meaning) with an example: the schema's `examples`, else
   * `examples[status]` below, else one built from the schema.
   */
  readonly response: Readonly<Record<number, TSchema>>;
  /** Status → an example answer for the OpenAPI document. */
  readonly examples?: Readonly<Record<number, unknown>>;
  /** A TeraRelay route rather than an OpenTera one (see above). */
  readonly own?: boolean;
  /** The caller, or why it is refused (an own route may throw an AppError instead). */
  authenticate(request: FastifyRequest): Promise<C | Refusal>;
  /** Answers a refusal; sendRefusal unless given. */
  refused?(reply: FastifyReply, refusal: Refusal): FastifyReply;
  handle(call: Call<C, S>): Promise<FastifyReply>;
}

/** A declared route, ready to mount. */
export interface Route {
  readonly options: RouteOptions & { method: HTTPMethods };
  readonly openTera: boolean;
  readonly parseJson?: (text: string) => unknown;
}

/** What each status means, for answers whose schema has no description of its own. */
const STATUS_MEANING: Readonly<Record<number, string>> = {
  200: 'Success',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  302: 'Redirect',
  400: 'Invalid arguments or body',
  401: 'Missing or invalid credentials',
  403: 'Forbidden: the caller may not do this',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict with the current state',
  413: 'Body too large',
  426: 'Client version too old',
  429: 'Too many attempts; retry later',
  500: 'Internal error',
  501: 'Not implemented',
  503: 'Unavailable (draining, or a backend down)',
};

/**
 * The response schemas as documented: each with a description and an example. Copies, so that
 * schemas shared between routes are never changed.
 */
function documentedResponses(
  response: Readonly<Record<number, TSchema>>,
  examples: Readonly<Record<number, unknown>>,
): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const [key, schema] of Object.entries(response)) {
    const status = Number(key);
    const own = schema as TSchema & { description?: string; examples?: unknown[] };
    const example = status in examples ? examples[status] : Value.Create(schema);
    out[status] = {
      ...schema,
      'x-response-description':
        own.description ?? STATUS_MEANING[status] ?? `Status ${String(status)}`,
      ...(own.examples ? {} : { examples: [example] }),
    } as TSchema;
  }
  return out;
}

const accept = () => () => true;
const stringify = () => (data: unknown) => JSON.stringify(data);

export function defineRoute<C extends object, S extends ArgSpec = Record<never, never>>(
  decl: RouteDecl<C, S>,
): Route {
  const openTera = !decl.own;
  const refused = decl.refused ?? sendRefusal;
  const args = (decl.args ?? {}) as S;
  const schema = {
    summary: decl.summary,
    ...(decl.description ? { description: decl.description } : {}),
    tags: [...decl.tags],
    security: decl.security,
    ...(decl.args ? { querystring: querySchema(decl.args) } : {}),
    ...(decl.body ? { body: decl.body } : {}),
    response: documentedResponses(decl.response, decl.examples ?? {}),
  };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const caller = await decl.authenticate(request);
    if (isRefusal(caller)) return refused(reply, caller);
    const parsed = parseArgs(request.query, args, { strict: decl.strictArgs ?? false });
    if (!parsed.ok) return sendArgsError(reply, parsed.body);
    return decl.handle({ request, reply, caller, args: parsed.args });
  };
  return {
    options: {
      method: decl.method,
      url: decl.url,
      schema,
      handler,
      ...(openTera ? { validatorCompiler: accept, serializerCompiler: stringify } : {}),
    },
    openTera,
    ...(decl.parseJson ? { parseJson: decl.parseJson } : {}),
  };
}

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

/** Mounts the routes of one path, with the 405 catch-all when they are OpenTera's. */
function mountPath(app: FastifyInstance, url: string, routes: readonly Route[]): void {
  for (const r of routes) app.route(r.options);
  if (!routes.some((r) => r.openTera)) return;
  const taken = new Set(routes.map((r) => r.options.method));
  app.route({
    method: METHODS.filter((m) => !taken.has(m)),
    url,
    schema: { hide: true },
    handler: async (_request, reply) =>
      sendJson(reply, 405, { message: 'The method is not allowed for the requested URL.' }),
  });
}

/**
 * Mounts `routes` on `app`, path by path. A path whose route parses its own JSON is mounted in
 * a scope of its own, so that its parser serves that path (every method on it) and no other.
 */
export function mountRoutes(app: FastifyInstance, routes: readonly Route[]): void {
  const paths = new Map<string, Route[]>();
  for (const r of routes) paths.set(r.options.url, [...(paths.get(r.options.url) ?? []), r]);
  for (const [url, group] of paths) {
    const parseJson = group.find((r) => r.parseJson)?.parseJson;
    if (!parseJson) {
      mountPath(app, url, group);
      continue;
    }
    void app.register(async (scope) => {
      scope.removeContentTypeParser('application/json');
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'string' },
        (_request, body, done) => {
          let parsed: unknown;
          try {
            parsed = parseJson(body as string);
          } catch (err) {
            done(err as Error, undefined);
            return;
          }
          done(null, parsed);
        },
      );
      mountPath(scope, url, group);
    });
  }
}
