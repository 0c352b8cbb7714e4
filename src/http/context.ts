/**
 * What every API route file is built from: the Deps, the Authenticator and the websocket URL
 * builder, plus the few request facts routes need (client address, listening port) and the
 * route registration OpenTera's endpoints share.
 */
import type { AddressInfo } from 'node:net';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HTTPMethods,
} from 'fastify';
import {
  Authenticator,
  type AuthRequest,
  type Refusal,
  type UserAuth,
} from '../auth/authenticate.js';
import { WebsocketUrls } from '../auth/public-origin.js';
import type { RevocableKind } from '../seams/revocations/revocations.js';
import type { Deps } from '../deps.js';
import { MODULE, moduleMessagesTopic, twistedCommandsTopic } from '../topics.js';
import { disconnectCommand } from '../protocol/messages.js';
import type { PrincipalKind } from '../principal.js';
import { sendJson, sendRefusal } from './replies.js';

export interface ApiContext {
  readonly deps: Deps;
  readonly auth: Authenticator;
  readonly urls: WebsocketUrls;
}

export function createApiContext(deps: Deps): ApiContext {
  return {
    deps,
    auth: new Authenticator({
      db: deps.db,
      tokens: deps.tokens,
      revocations: deps.revocations,
      attempts: deps.attempts,
    }),
    urls: new WebsocketUrls(deps.config),
  };
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

export interface OpenTeraRoute {
  method: 'GET' | 'POST';
  url: string;
  schema: FastifySchema & {
    summary: string;
    tags: string[];
    security?: Array<Record<string, string[]>>;
  };
  handler: Handler;
  /** Extra route options (e.g. a body limit). */
  bodyLimit?: number;
}

const accept = () => () => true;
const stringify = () => (data: unknown) => JSON.stringify(data);

/**
 * Registers OpenTera endpoints on one path. Their schemas document; they do not validate or
 * serialize (each handler parses its arguments into OpenTera's error bodies and sends
 * ready-made JSON). Other methods on the path answer 405, as Flask does.
 */
export function registerPath(app: FastifyInstance, routes: OpenTeraRoute[]): void {
  const url = routes[0]!.url;
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      schema: r.schema,
      handler: r.handler,
      validatorCompiler: accept,
      serializerCompiler: stringify,
      ...(r.bodyLimit ? { bodyLimit: r.bodyLimit } : {}),
    });
  }
  const taken = new Set<string>(routes.map((r) => r.method));
  const others = (['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as HTTPMethods[]).filter(
    (m) => !taken.has(m),
  );
  app.route({
    method: others,
    url,
    schema: { hide: true },
    handler: async (_request, reply) =>
      sendJson(reply, 405, { message: 'The method is not allowed for the requested URL.' }),
  });
}

/** The client's address: the forwarded one when the peer is a trusted proxy (Fastify's trustProxy). */
export const clientAddress = (request: FastifyRequest): string => request.ip;

/** What the Authenticator reads from a request: its Authorization header and client address. */
export const authRequest = (request: FastifyRequest): AuthRequest => ({
  authorization: request.headers.authorization,
  address: clientAddress(request),
});

/** The user calling an API route other than /api/user/login: Basic or token (spec §2.1). */
export const apiUser = (ctx: ApiContext, request: FastifyRequest): Promise<UserAuth | Refusal> =>
  ctx.auth.user(authRequest(request), { basic: true, token: true, login: false });

/** Counts a refused login (by its refusal unless `outcome` is given) and sends the refusal. */
export function refuseLogin(
  ctx: ApiContext,
  reply: FastifyReply,
  kind: PrincipalKind,
  refusal: Refusal,
  outcome: string = refusal.refusal,
): FastifyReply {
  ctx.deps.metrics.logins.inc({ kind, outcome });
  return sendRefusal(reply, refusal);
}

/** Revokes a presented token until it expires; one without claims (a static token) stays valid. */
export async function revokeToken(
  ctx: ApiContext,
  kind: RevocableKind,
  token: { readonly value: string; readonly claims: { readonly exp: number } | null } | undefined,
): Promise<void> {
  if (token?.claims) await ctx.deps.revocations.revoke(kind, token.value, token.claims.exp * 1000);
}

/** The `websocket_url` for this request and a fresh one-time ticket. */
export async function websocketUrl(
  ctx: ApiContext,
  request: FastifyRequest,
  kind: PrincipalKind,
  uuid: string,
): Promise<string> {
  const ticket = await ctx.deps.tickets.issue(kind, uuid, ctx.deps.config.ticketTtl * 1000);
  const address = request.server.server.address() as AddressInfo | string | null;
  const listeningPort =
    typeof address === 'object' && address ? address.port : ctx.deps.config.port;
  return ctx.urls.url(
    { headers: request.headers, peerAddress: request.socket.remoteAddress, listeningPort },
    kind,
    ticket,
  );
}

/**
 * The `websocket_url` for `uuid` when it is offline (a fresh one-time ticket), or null when it
 * is already online.
 */
export async function websocketUrlIfOffline(
  ctx: ApiContext,
  request: FastifyRequest,
  kind: PrincipalKind,
  uuid: string,
): Promise<string | null> {
  if (await ctx.deps.presence.isOnline(kind, uuid)) return null;
  return websocketUrl(ctx, request, kind, uuid);
}

/** Publishes OpenTera's forced-disconnect command for every connection of `uuid` (spec §4.6). */
export async function publishDisconnect(ctx: ApiContext, uuid: string): Promise<void> {
  const dest = twistedCommandsTopic(uuid);
  const message = disconnectCommand(dest, moduleMessagesTopic(MODULE.flask));
  await ctx.deps.bus.publish(dest, ctx.deps.codec.encodeModuleMessage(message));
}
