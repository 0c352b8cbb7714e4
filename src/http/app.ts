/**
 * The Fastify instance: transport limits, proxy trust, the OpenAPI document, health and
 * metrics, and the error mapping shared by every route. Feature routes register themselves on
 * the returned app (http/routes.ts, ws/gateway.ts).
 *
 * Limits: request headers ≤ 16 KiB (431), bodies ≤ 64 KiB (413).
 */
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyBaseLogger,
  type FastifyError,
} from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trustedProxies } from '../config.js';
import type { Deps } from '../deps.js';
import { isAppError } from '../errors.js';
import type { TlsMaterial } from '../tls.js';

export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_BODY_BYTES = 64 * 1024;

export type App = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppState {
  /** False while starting and once stopping: /healthz answers 503. */
  ready: boolean;
}

export async function buildApp(deps: Deps, tls: TlsMaterial | null, state: AppState): Promise<App> {
  const trusted = trustedProxies(deps.config);
  const app = Fastify({
    loggerInstance: deps.log,
    ...(tls
      ? { https: { cert: tls.cert, key: tls.key, maxHeaderSize: MAX_HEADER_BYTES } }
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
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Allow-Headers', '*');
    reply.header('Access-Control-Allow-Methods', '*');
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    return payload;
  });

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) =>
    state.ready ? reply.send({ status: 'ok' }) : reply.status(503).send({ status: 'starting' }),
  );
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
