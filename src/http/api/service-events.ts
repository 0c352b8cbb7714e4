/**
 * POST /api/service/events: a service sends a direct event to every connection of one
 * principal, over HTTP instead of the bus (TeraRelay's own; OpenTera services publish on
 * `websocket.<kind>.<uuid>.events` themselves, spec §6.4, and still may).
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
 * body or event; 401 `{code, message}` for a missing or bad service token.
 */
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import Type from 'typebox';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { directTopic } from '../../topics.js';
import {
  AnySchema,
  registry,
  teraEvent,
  unpackClientEvent,
  type Any,
} from '../../protocol/messages.js';
import type { App } from '../app.js';

const Body = Type.Object(
  {
    kind: Type.Union([Type.Literal('user'), Type.Literal('participant'), Type.Literal('device')]),
    uuid: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
    event: Type.Object({ '@type': Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });

export function registerServiceRoutes(app: App, deps: Deps): void {
  async function authenticate(header: string | undefined): Promise<void> {
    const match = /^opentera\s+(\S+)$/i.exec(header?.trim() ?? '');
    const claims = match?.[1] ? await deps.tokens.verifyService(match[1]) : null;
    const service = claims
      ? await deps.db.kysely
          .selectFrom('t_services')
          .select('id_service')
          .where('service_uuid', '=', claims.serviceUuid)
          .where('service_enabled', '=', true)
          .where('deleted_at', 'is', null)
          .executeTakeFirst()
      : undefined;
    if (!service) throw new AppError('UNAUTHORIZED', 'A valid service token is required');
  }

  app.post(
    '/api/service/events',
    {
      schema: {
        summary: 'Send a direct event to every connection of a user, participant or device',
        description:
          'The event (OpenTera protobuf-JSON with "@type") goes through the same filters as any direct event.',
        tags: ['service'],
        security: [{ openTera: [] }],
        body: Body,
        response: {
          202: Type.Object({ topic: Type.String() }),
          400: ErrorReply,
          401: ErrorReply,
        },
      },
    },
    async (request, reply) => {
      await authenticate(request.headers.authorization);
      const { kind, uuid, event } = request.body as {
        kind: 'user' | 'participant' | 'device';
        uuid: string;
        event: JsonValue;
      };
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
      if (!decoded || decoded.type === 'DatabaseEvent') {
        throw new AppError(
          'BAD_REQUEST',
          `event type ${any.typeUrl} is not one a client may receive`,
        );
      }
      const topic = directTopic(kind, uuid);
      await deps.bus.publish(topic, deps.codec.encodeEvent(teraEvent(topic, [any])));
      return reply.status(202).send({ topic });
    },
  );
}
