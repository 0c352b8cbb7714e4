/**
 * The Fastify instance: transport limits, proxy trust, the OpenAPI document, health, readiness
 * and metrics, and the error mapping shared by every route. Feature routes register themselves
 * on the returned app (http/routes.ts, realtime/gateway.ts).
 *
 * Limits: request headers ≤ 16 KiB (431), bodies ≤ 64 KiB (413).
 *
 * Operational endpoints: `/healthz` answers 200 while the process runs (draining too);
 * `/readyz` answers 200 `{status:'ready'}`, or 503 `{status:'not ready', failed}` naming each
 * failed check (src/readiness.ts); `/metrics` is Prometheus' text. With `--metrics-port`,
 * `/readyz` and `/metrics` are served only by the internal plain-HTTP listener
 * (`buildInternalApp`). While draining, logins answer 503. `/client/terarelay-client.js` serves
 * the client SDK's browser module (./client-bundle.ts); `/login` and the other login pages are
 * static files (./pages.ts), and so is the live dashboard at `/dashboard` (./dashboard.ts).
 */
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyBaseLogger,
  type FastifyError,
} from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trustedProxies } from '../config.js';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import type { Readiness } from '../readiness.js';
import type { TlsMaterial } from '../tls.js';
import { registerClientBundle } from './client-bundle.js';
import { registerDashboard } from './dashboard.js';
import { registerPages } from './pages.js';

export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The one application protocol served: `http/1.1` when the client offers it; a client offering
 * others only is refused (no_application_protocol), one offering none is served. The same as
 * Node's default list, but chosen per handshake: given as a list, Node copies it into every TLS
 * socket it accepts and keeps the copy (about 180 bytes) for the socket's whole life.
 */
function chooseHttp11({ protocols }: { protocols: string[] }): string | undefined {
  return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
}

export type App = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The login routes: refused while the node drains, so no new client is sent to it. */
const LOGIN_PATH = /^\/api\/(?:user|participant|device)\/login(?:[/?_]|$)/;

export async function buildApp(
  deps: Deps,
  tls: TlsMaterial | null,
  readiness: Readiness,
): Promise<App> {
  const trusted = trustedProxies(deps.config);
  const app = Fastify({
    loggerInstance: deps.log,
    ...(tls
      ? {
          https: {
            cert: tls.cert,
            key: tls.key,
            maxHeaderSize: MAX_HEADER_BYTES,
            ALPNCallback: chooseHttp11,
            ...(tls.ticketKeys ? { ticketKeys: tls.ticketKeys } : {}),
          },
        }
      : { http: { maxHeaderSize: MAX_HEADER_BYTES } }),
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: (address: string) => trusted(address),
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
  }) as unknown as App;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'TeraRelay',
        description: 'OpenTera-compatible login and real-time events',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          openTera: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'OpenTera <token>',
          },
          loginSession: { type: 'apiKey', in: 'cookie', name: 'terarelay_login' },
        },
      },
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      return reply.status(error.status).send({ code: error.code, message: error.message });
    }
    if (error.validation) {
      return reply.status(400).send({ code: 'BAD_REQUEST', message: error.message });
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 500 ? 'INTERNAL' : 'BAD_REQUEST';
    return reply
      .status(status)
      .send({ code, message: status === 500 ? 'Internal server error' : error.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'NOT_FOUND',
      message: `No route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
  await registerCors(app, deps.config.corsOrigin);
  countRequests(app, deps);

  app.addHook('onRequest', async (request) => {
    if (readiness.draining && LOGIN_PATH.test(request.url))
      throw new AppError('UNAVAILABLE', 'Server shutting down');
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  if (deps.config.metricsPort === null) registerInternal(app, deps, readiness);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerClientBundle(app);
  registerPages(app);
  registerDashboard(app);
  return app;
}

/**
 * Counts every answered request in `terarelay_http_requests_total{route,status}`: `route` is the
 * matched route's pattern (`unmatched` for none), never the raw URL, so label values stay few.
 * Each route's `200` series exists from the start.
 */
function countRequests(app: App, deps: Deps): void {
  const requests = deps.metrics.httpRequests;
  app.addHook('onRoute', (route) => requests.inc({ route: route.url, status: '200' }, 0));
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, status: String(reply.statusCode) });
  });
}

/** The internal listener of `--metrics-port`: plain HTTP, `/readyz` and `/metrics` only. */
export function buildInternalApp(deps: Deps, readiness: Readiness): App {
  const app = Fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as App;
  registerInternal(app, deps, readiness);
  return app;
}

/**
 * Without an allow-list, OpenTera's headers: every answer says `*` (which lets no browser send
 * `Authorization` across origins: there is no preflight). With one, @fastify/cors answers
 * preflights and echoes only the listed origins, `Authorization` allowed; other origins get no
 * CORS header, so their browsers refuse.
 */
async function registerCors(app: App, allowed: readonly string[]): Promise<void> {
  if (allowed.length > 0) {
    const origins = new Set(allowed);
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  app.addHook('onSend', async (_request, reply, payload) => {
    if (allowed.length === 0) {
      reply.header('Access-Control-Allow-Origin', '*');
      reply.header('Access-Control-Allow-Headers', '*');
      reply.header('Access-Control-Allow-Methods', '*');
    }
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    return payload;
  });
}

function registerInternal(app: App, deps: Deps, readiness: Readiness): void {
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const { ready, failed } = await readiness.report();
    return ready
      ? reply.send({ status: 'ready' })
      : reply.status(503).send({ status: 'not ready', failed });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
