/**
 * Binary frames (subprotocol `opentera-protobuf`): a binary `TeraMessage{Any(TeraEvent)}`,
 * turned into the same protobuf-JSON objects a JSON frame carries, then typed by ./events.ts.
 * Total: bytes that do not decode give one UnknownEvent; an event of a type outside OpenTera's
 * dictionary gives an UnknownEvent with its `@type` and base64 `value`.
 */
import { createRegistry, fromBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { anyUnpack, type Any } from '@bufbuild/protobuf/wkt';
import { file_opentera_protobuf_ArchiveEvent } from '../gen/opentera/protobuf/ArchiveEvent_pb.js';
import { file_opentera_protobuf_DatabaseEvent } from '../gen/opentera/protobuf/DatabaseEvent_pb.js';
import { file_opentera_protobuf_DeviceEvent } from '../gen/opentera/protobuf/DeviceEvent_pb.js';
import { file_opentera_protobuf_JoinSessionEvent } from '../gen/opentera/protobuf/JoinSessionEvent_pb.js';
import { file_opentera_protobuf_JoinSessionReplyEvent } from '../gen/opentera/protobuf/JoinSessionReplyEvent_pb.js';
import { file_opentera_protobuf_LeaveSessionEvent } from '../gen/opentera/protobuf/LeaveSessionEvent_pb.js';
import { file_opentera_protobuf_ParticipantEvent } from '../gen/opentera/protobuf/ParticipantEvent_pb.js';
import { file_opentera_protobuf_StopSessionEvent } from '../gen/opentera/protobuf/StopSessionEvent_pb.js';
import { TeraEventSchema } from '../gen/opentera/protobuf/TeraEvent_pb.js';
import { TeraMessageSchema } from '../gen/opentera/protobuf/TeraMessage_pb.js';
import { file_opentera_protobuf_UserEvent } from '../gen/opentera/protobuf/UserEvent_pb.js';
import { decodeEvent, type RelayEvent } from './events.js';

/** The event types a client may receive. */
const registry = createRegistry(
  file_opentera_protobuf_ArchiveEvent,
  file_opentera_protobuf_DatabaseEvent,
  file_opentera_protobuf_DeviceEvent,
  file_opentera_protobuf_JoinSessionEvent,
  file_opentera_protobuf_JoinSessionReplyEvent,
  file_opentera_protobuf_LeaveSessionEvent,
  file_opentera_protobuf_ParticipantEvent,
  file_opentera_protobuf_StopSessionEvent,
  file_opentera_protobuf_UserEvent,
);

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** One packed event as protobuf-JSON with its `@type` (raw bytes when its type is unknown). */
function eventJson(any: Any): Record<string, unknown> {
  const name = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
  const schema: DescMessage | undefined = registry.getMessage(name);
  if (schema) {
    try {
      const fields = toJson(schema, fromBinary(schema, any.value), {
        registry,
        alwaysEmitImplicit: true,
      }) as Record<string, unknown>;
      return { '@type': any.typeUrl, ...fields };
    } catch {
      // Bytes that do not parse as their type: given raw below.
    }
  }
  return { '@type': any.typeUrl, value: base64(any.value) };
}

/** The events of one binary frame. */
export function decodeBinaryFrame(bytes: Uint8Array): RelayEvent[] {
  try {
    const message = fromBinary(TeraMessageSchema, bytes);
    const event = message.message ? anyUnpack(message.message, TeraEventSchema) : undefined;
    if (!event) throw new Error('not a TeraEvent');
    const topic = event.header?.topic ?? '';
    const time = event.header?.time ?? 0;
    return event.events.map((any) => decodeEvent(eventJson(any), topic, time));
  } catch {
    return [decodeEvent({ value: base64(bytes) }, '', 0)];
  }
}
