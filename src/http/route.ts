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
  /** Status → the schema of that answer. */
  readonly response: Readonly<Record<number, TSchema>>;
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
    response: decl.response,
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
