/**
 * POST /api/service/events: a service sends a direct event to every connection of one
 * principal, over HTTP instead of the bus (TeraRelay's own; OpenTera services publish on
 * `websocket.<kind>.<uuid>.events` themselves, and still may).
 *
 * Auth: `Authorization: OpenTera <service token>` (as printed by `terarelay service-token
 * <service key>`), of an enabled, non-deleted service.
 *
 * Body (JSON):
 *   {
 *     "kind": "user" | "participant" | "device",
 *     "uuid": "<the principal's uuid>",
 *     "event": { "@type": "type.googleapis.com/opentera.protobuf.JoinSessionEvent",
 *                "sessionUuid": "…", "sessionUsers": ["…"], … }
 *   }
 * `event` is one event in OpenTera's protobuf-JSON (the form clients receive inside
 * `message.events[]`; camelCase or original field names). Its type must be one a client may
 * receive: UserEvent, ParticipantEvent, DeviceEvent, JoinSessionEvent, JoinSessionReplyEvent,
 * LeaveSessionEvent, StopSessionEvent or ArchiveEvent.
 *
 * The event is published as a binary TeraEvent on the principal's direct topic and reaches
 * its connections through their filters, exactly like a bus-published direct event.
 * Answers: 202 `{"topic": "websocket.<kind>.<uuid>.events"}`; 400 `{code, message}` for a bad
 * body or event; 401 `{code, message}` for a missing or bad service token. Each answer is
 * counted in `terarelay_service_events_total{outcome}`.
 */
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { AppError } from '../../errors.js';
import type { ServiceEventOutcome } from '../../metrics.js';
import { directTopic } from '../../topics.js';
import {
  AnySchema,
  registry,
  teraEvent,
  unpackClientEvent,
  type Any,
} from '../../protocol/messages.js';
import { enabledService } from '../../store/queries/services.js';
import type { ApiContext } from '../context.js';
import { defineRoute, type Route } from '../route.js';
import { ErrorBody, TOKEN_ONLY } from '../schemas.js';

const Body = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('participant'), Type.Literal('device')]),
    uuid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
    event: Type.Object({ '@type': Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/** The calling service; throws 401 UNAUTHORIZED without a valid token of an enabled service. */
async function service(ctx: ApiContext, request: FastifyRequest) {
  const match = /^opentera\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
  const claims = match?.[1] ? await ctx.deps.tokens.verifyService(match[1]) : null;
  const found = claims ? await enabledService(ctx.deps.db, claims.serviceUuid) : undefined;
  if (!found) throw new AppError('UNAUTHORIZED', 'A valid service token is required');
  return found;
}

/** The client event in `event`; throws 400 BAD_REQUEST when it is not one a client may receive. */
function clientEvent(event: JsonValue): Any {
  let any: Any;
  try {
    any = fromJson(AnySchema, event, { registry });
  } catch (err) {
    throw new AppError(
      'BAD_REQUEST',
      `event is not a valid OpenTera event: ${(err as Error).message}`,
    );
  }
  const decoded = unpackClientEvent(any);
  if (!decoded || decoded.type === 'DatabaseEvent')
    throw new AppError('BAD_REQUEST', `event type ${any.typeUrl} is not one a client may receive`);
  return any;
}

/** The outcome an answer's status stands for. */
function outcomeOf(status: number): ServiceEventOutcome {
  if (status === 202) return 'accepted';
  if (status === 401) return 'unauthorized';
  return status < 500 ? 'invalid' : 'error';
}

export function serviceRoutes(ctx: ApiContext): Route[] {
  const route = defineRoute({
    own: true,
    method: 'POST',
    url: '/api/service/events',
    summary: 'Send a direct event to every connection of a user, participant or device',
    description:
      'The event (OpenTera protobuf-JSON with "@type") goes through the same filters as any direct event.',
    tags: ['service'],
    security: TOKEN_ONLY,
    body: Body,
    response: { 202: Type.Object({ topic: Type.String() }), 400: ErrorBody, 401: ErrorBody },
    authenticate: (request) => service(ctx, request),
    handle: async ({ request, reply }) => {
      const { kind, uuid, event } = request.body as Static<typeof Body>;
      const any = clientEvent(event as JsonValue);
      const topic = directTopic(kind, uuid);
      await ctx.deps.bus.publish(topic, ctx.deps.codec.encodeEvent(teraEvent(topic, [any])));
      return reply.status(202).send({ topic });
    },
  });
  // Counted once answered, so that refusals before the handler (a bad body) count too.
  const count = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> =>
    ctx.deps.metrics.serviceEvents.inc({ outcome: outcomeOf(reply.statusCode) });
  return [{ ...route, options: { ...route.options, onResponse: count } }];
}
