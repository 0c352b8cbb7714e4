/**
 * POST /api/service/events: a service sends a direct event to every connection of one
 * principal, over HTTP instead of the bus (TeraRelay's own; OpenTera services publish on
 * `websocket.<kind>.<uuid>.events` themselves, and still may).
 *
 * Auth: `Authorization: OpenTera <service token>` (as printed by `terarelay service-token
 * <service key>`, or OpenTera's own service tokens), of an enabled, non-deleted service; a token
 * TeraRelay issued with an id must be in its registry, unrevoked and unexpired. Checked before
 * the body is read: without a valid token the answer is 401 whatever the body.
 *
 * Body (JSON): `{kind, uuid, event}`; `event` is one event in OpenTera's protobuf-JSON (the form
 * clients receive inside `message.events[]`; camelCase or original field names). Its type must
 * be one a client may receive; EVENT_RULES below says how each reaches the connections.
 *
 * The event is published as a binary TeraEvent on the principal's direct topic and reaches
 * its connections through their filters, exactly like a bus-published direct event.
 * Answers: 202 `{"topic": "websocket.<kind>.<uuid>.events"}`; 400 `{code, message}` for a bad
 * body or event; 401 for a missing, bad, expired or revoked token; 404 when no such (non-deleted)
 * principal exists. Each answer is counted in `terarelay_service_events_total{outcome}`.
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
import { serviceTokenUsable } from '../../store/queries/service-tokens.js';
import type { ApiContext } from '../context.js';
import { defineRoute, type Route } from '../route.js';
import { ErrorBody, TOKEN_ONLY } from '../schemas.js';

const TYPE = 'type.googleapis.com/opentera.protobuf.';
const PARTICIPANT = '7b1d5e3c-2f4a-4c1e-9a57-0b6f1d2e3a4b';
const SESSION = '3f9c2a1e-8d4b-4e6f-a1c2-5b7d9e0f1a2b';

/**
 * The event types a service may send, how each one reaches the principal's connections (the
 * same rules as any direct event), and an example body of each.
 */
const EVENT_RULES: ReadonlyArray<{ type: string; rule: string; example: object }> = [
  {
    type: 'JoinSessionEvent',
    rule: 'shown when the principal is named in sessionUsers/sessionParticipants/sessionDevices (by its kind); the session then counts as one of its sessions',
    example: {
      '@type': `${TYPE}JoinSessionEvent`,
      sessionUuid: SESSION,
      sessionUrl: 'https://example.org/rehab/1',
      sessionCreatorName: 'Dr. Smith',
      sessionParticipants: [PARTICIPANT],
    },
  },
  {
    type: 'JoinSessionReplyEvent',
    rule: 'shown when the session is one of the principal’s and the reply is not its own',
    example: {
      '@type': `${TYPE}JoinSessionReplyEvent`,
      sessionUuid: SESSION,
      userUuid: '5c0f3a2b-1d4e-4f6a-8b9c-0d1e2f3a4b5c',
      joinReply: 'REPLY_ACCEPTED',
    },
  },
  {
    type: 'LeaveSessionEvent',
    rule: 'shown when the session is one of the principal’s',
    example: {
      '@type': `${TYPE}LeaveSessionEvent`,
      sessionUuid: SESSION,
      leavingParticipants: [PARTICIPANT],
    },
  },
  {
    type: 'StopSessionEvent',
    rule: 'always shown (it arrives on the principal’s own direct topic)',
    example: { '@type': `${TYPE}StopSessionEvent`, sessionUuid: SESSION },
  },
  {
    type: 'UserEvent',
    rule: 'users only: shown when the user it is about is one the principal may see',
    example: {
      '@type': `${TYPE}UserEvent`,
      userUuid: '5c0f3a2b-1d4e-4f6a-8b9c-0d1e2f3a4b5c',
      type: 'USER_JOINED_SESSION',
      userFullname: 'Dr. Smith',
    },
  },
  {
    type: 'ParticipantEvent',
    rule: 'shown when the participant it is about is one the principal may see (a participant: itself; a device: its participants)',
    example: {
      '@type': `${TYPE}ParticipantEvent`,
      participantUuid: PARTICIPANT,
      type: 'PARTICIPANT_JOINED_SESSION',
      participantName: 'Participant 1',
    },
  },
  {
    type: 'DeviceEvent',
    rule: 'shown when the device it is about is one the principal may see (a device: itself)',
    example: {
      '@type': `${TYPE}DeviceEvent`,
      deviceUuid: '9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b',
      type: 'DEVICE_STATUS_CHANGED',
      deviceStatus: '{"battery": 0.8}',
    },
  },
  {
    type: 'ArchiveEvent',
    rule: 'shown when ownerUuid is the principal',
    example: {
      '@type': `${TYPE}ArchiveEvent`,
      archiveUuid: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      ownerUuid: PARTICIPANT,
      status: 'STATUS_COMPLETED',
      archiveUrl: 'https://example.org/archive/1',
    },
  },
];

const Body = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('participant'), Type.Literal('device')]),
    uuid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
    event: Type.Object({ '@type': Type.String() }, { additionalProperties: true }),
  },
  {
    additionalProperties: false,
    examples: EVENT_RULES.map((r) => ({
      kind: r.type === 'UserEvent' ? 'user' : 'participant',
      uuid: r.type === 'UserEvent' ? '2d4f6a8b-0c1e-4f3a-9b5d-7e9f1a3b5c7d' : PARTICIPANT,
      event: r.example,
    })),
  },
);

const UNAUTHORIZED = 'A valid service token is required';

/** The calling service; throws 401 UNAUTHORIZED without a valid token of an enabled service. */
async function service(ctx: ApiContext, request: FastifyRequest) {
  const match = /^opentera\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
  const claims = match?.[1] ? await ctx.deps.tokens.verifyService(match[1]) : null;
  if (!claims) throw new AppError('UNAUTHORIZED', UNAUTHORIZED);
  if (claims.tokenId !== undefined && !(await serviceTokenUsable(ctx.deps.db, claims.tokenId)))
    throw new AppError('UNAUTHORIZED', UNAUTHORIZED);
  const found = await enabledService(ctx.deps.db, claims.serviceUuid);
  if (!found) throw new AppError('UNAUTHORIZED', UNAUTHORIZED);
  return found;
}

/** The service an `onRequest` hook authenticated, before the body was read. */
const authenticated = new WeakMap<FastifyRequest, { id_service: number }>();

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
  if (status === 404) return 'unknown_principal';
  return status < 500 ? 'invalid' : 'error';
}

export function serviceRoutes(ctx: ApiContext): Route[] {
  const route = defineRoute({
    own: true,
    method: 'POST',
    url: '/api/service/events',
    summary: 'Send a direct event to every connection of a user, participant or device',
    description:
      'The event (OpenTera protobuf-JSON with "@type") goes through the same filters as any ' +
      'direct event. The token is checked before the body. Event types and how each reaches ' +
      'the connections:\n' +
      EVENT_RULES.map((r) => `- ${r.type}: ${r.rule}`).join('\n'),
    tags: ['service'],
    security: TOKEN_ONLY,
    body: Body,
    response: {
      202: Type.Object(
        { topic: Type.String() },
        { examples: [{ topic: `websocket.participant.${PARTICIPANT}.events` }] },
      ),
      400: Type.Object(ErrorBody.properties, {
        examples: [
          { code: 'BAD_REQUEST', message: 'event type … is not one a client may receive' },
        ],
      }),
      401: Type.Object(ErrorBody.properties, {
        examples: [{ code: 'UNAUTHORIZED', message: UNAUTHORIZED }],
      }),
      404: Type.Object(ErrorBody.properties, {
        examples: [{ code: 'NOT_FOUND', message: `No participant ${PARTICIPANT}` }],
      }),
    },
    authenticate: (request) => {
      const found = authenticated.get(request);
      return found ? Promise.resolve(found) : service(ctx, request);
    },
    handle: async ({ request, reply }) => {
      const { kind, uuid, event } = request.body as Static<typeof Body>;
      const any = clientEvent(event as JsonValue);
      if (!(await ctx.deps.principals.find(kind, uuid)))
        throw new AppError('NOT_FOUND', `No ${kind} ${uuid}`);
      const topic = directTopic(kind, uuid);
      await ctx.deps.bus.publish(topic, ctx.deps.codec.encodeEvent(teraEvent(topic, [any])));
      return reply.status(202).send({ topic });
    },
  });
  // Counted once answered, so that refusals before the handler (a bad body) count too.
  const count = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> =>
    ctx.deps.metrics.serviceEvents.inc({ outcome: outcomeOf(reply.statusCode) });
  const authenticateFirst = async (request: FastifyRequest): Promise<void> => {
    authenticated.set(request, await service(ctx, request));
  };
  return [
    { ...route, options: { ...route.options, onRequest: authenticateFirst, onResponse: count } },
  ];
}
