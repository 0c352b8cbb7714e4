/**
 * What every API route file is built from: the Deps, the Authenticator and the websocket URL
 * builder (all three built by the composition root), plus the few request facts routes need
 * (client address, listening port) and the steps several routes share.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Authenticator, AuthRequest, Refusal, UserAuth } from '../auth/authenticate.js';
import type { WebsocketUrls } from '../auth/public-origin.js';
import type { RevocableKind } from '../seams/revocations/revocations.js';
import type { TicketOptions } from '../seams/tickets/tickets.js';
import type { Deps } from '../deps.js';
import type { DeviceStatusLimit } from '../presence/device-status-limit.js';
import { MODULE, moduleMessagesTopic, twistedCommandsTopic } from '../topics.js';
import { disconnectCommand } from '../protocol/messages.js';
import type { PrincipalKind } from '../principal.js';
import { BASIC_OR_TOKEN } from './schemas.js';
import { resumingClient } from '../realtime/resume-login.js';

export interface ApiContext {
  readonly deps: Deps;
  readonly auth: Authenticator;
  readonly urls: WebsocketUrls;
  /** The rate limit of POST /api/device/status, per device. */
  readonly deviceStatusLimit: DeviceStatusLimit;
}

/** The client's address: the forwarded one when the peer is a trusted proxy (Fastify's trustProxy). */
export const clientAddress = (request: FastifyRequest): string => request.ip;

/** What the Authenticator reads from a request: its Authorization header and client address. */
export const authRequest = (request: FastifyRequest): AuthRequest => ({
  authorization: request.headers.authorization,
  address: clientAddress(request),
});

/** The user calling an API route other than /api/user/login: Basic or token. */
export const apiUser = (ctx: ApiContext, request: FastifyRequest): Promise<UserAuth | Refusal> =>
  ctx.auth.user(authRequest(request), { basic: true, token: true, login: false });

/** What the routes of a user other than login share: GET, tag `user`, Basic or token. */
export const userGet = (ctx: ApiContext) =>
  ({
    method: 'GET',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
  }) as const;

/** Revokes a presented token until it expires; one without claims (a static token) stays valid. */
export async function revokeToken(
  ctx: ApiContext,
  kind: RevocableKind,
  token: { readonly value: string; readonly claims: { readonly exp: number } | null } | undefined,
): Promise<void> {
  if (token?.claims) await ctx.deps.revocations.revoke(kind, token.value, token.claims.exp * 1000);
}

/** The `websocket_url` for this request and a fresh one-time ticket (`options`: TicketStore's). */
export async function websocketUrl(
  ctx: ApiContext,
  request: FastifyRequest,
  kind: PrincipalKind,
  uuid: string,
  options: TicketOptions = {},
): Promise<string> {
  const ttlMs = ctx.deps.config.ticketTtl * 1000;
  const ticket = await ctx.deps.tickets.issue(kind, uuid, ttlMs, options);
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
 * is already online, unless the request carries its resume token (a client coming back).
 */
export async function websocketUrlIfOffline(
  ctx: ApiContext,
  request: FastifyRequest,
  kind: PrincipalKind,
  uuid: string,
): Promise<string | null> {
  if (
    (await ctx.deps.presence.isOnline(kind, uuid)) &&
    !(await resumingClient(ctx.deps.resumeTokens, request.headers, kind, uuid))
  )
    return null;
  return websocketUrl(ctx, request, kind, uuid);
}

/** Publishes OpenTera's forced-disconnect command for every connection of `uuid`. */
export async function publishDisconnect(ctx: ApiContext, uuid: string): Promise<void> {
  const dest = twistedCommandsTopic(uuid);
  const message = disconnectCommand(dest, moduleMessagesTopic(MODULE.flask));
  await ctx.deps.bus.publish(dest, ctx.deps.codec.encodeModuleMessage(message));
}
