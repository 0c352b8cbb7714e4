/**
 * OpenTera's protobuf dictionary (package `opentera.protobuf`) for the rest of the
 * app. This is the only module that imports generated code (src/gen, written by
 * `buf generate` from proto/): everything else imports schemas, types and enums from here.
 */
import {
  create,
  createRegistry,
  fromBinary,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import { anyPack, type Any } from '@bufbuild/protobuf/wkt';
import { AppError } from '../errors.js';
import { USER_MANAGER_MESSAGES } from '../topics.js';
import {
  file_opentera_protobuf_ArchiveEvent,
  ArchiveEventSchema,
  type ArchiveEvent,
} from '../gen/opentera/protobuf/ArchiveEvent_pb.js';
import { file_opentera_protobuf_CreateSession } from '../gen/opentera/protobuf/CreateSession_pb.js';
import {
  file_opentera_protobuf_DatabaseEvent,
  DatabaseEventSchema,
  type DatabaseEvent,
} from '../gen/opentera/protobuf/DatabaseEvent_pb.js';
import {
  file_opentera_protobuf_DeviceEvent,
  DeviceEventSchema,
  type DeviceEvent,
} from '../gen/opentera/protobuf/DeviceEvent_pb.js';
import {
  file_opentera_protobuf_JoinSessionEvent,
  JoinSessionEventSchema,
  type JoinSessionEvent,
} from '../gen/opentera/protobuf/JoinSessionEvent_pb.js';
import {
  file_opentera_protobuf_JoinSessionReplyEvent,
  JoinSessionReplyEventSchema,
  type JoinSessionReplyEvent,
} from '../gen/opentera/protobuf/JoinSessionReplyEvent_pb.js';
import {
  file_opentera_protobuf_LeaveSessionEvent,
  LeaveSessionEventSchema,
  type LeaveSessionEvent,
} from '../gen/opentera/protobuf/LeaveSessionEvent_pb.js';
import { file_opentera_protobuf_LogEvent } from '../gen/opentera/protobuf/LogEvent_pb.js';
import { file_opentera_protobuf_LoginEvent } from '../gen/opentera/protobuf/LoginEvent_pb.js';
import {
  file_opentera_protobuf_ParticipantEvent,
  ParticipantEventSchema,
  type ParticipantEvent,
} from '../gen/opentera/protobuf/ParticipantEvent_pb.js';
import { file_opentera_protobuf_RPCMessage } from '../gen/opentera/protobuf/RPCMessage_pb.js';
import { file_opentera_protobuf_Result } from '../gen/opentera/protobuf/Result_pb.js';
import {
  file_opentera_protobuf_ServerCommand,
  ServerCommandSchema,
  ServerCommand_CommandType,
} from '../gen/opentera/protobuf/ServerCommand_pb.js';
import {
  file_opentera_protobuf_StopSessionEvent,
  StopSessionEventSchema,
  type StopSessionEvent,
} from '../gen/opentera/protobuf/StopSessionEvent_pb.js';
import {
  file_opentera_protobuf_TeraEvent,
  TeraEventSchema,
  TeraEvent_HeaderSchema,
  type TeraEvent,
} from '../gen/opentera/protobuf/TeraEvent_pb.js';
import { file_opentera_protobuf_TeraMessage } from '../gen/opentera/protobuf/TeraMessage_pb.js';
import {
  file_opentera_protobuf_TeraModuleMessage,
  TeraModuleMessageSchema,
  TeraModuleMessage_HeaderSchema,
  type TeraModuleMessage,
} from '../gen/opentera/protobuf/TeraModuleMessage_pb.js';
import {
  file_opentera_protobuf_UserEvent,
  UserEventSchema,
  type UserEvent,
} from '../gen/opentera/protobuf/UserEvent_pb.js';
import { file_opentera_protobuf_UserRegisterToEvent } from '../gen/opentera/protobuf/UserRegisterToEvent_pb.js';

export * from '../gen/opentera/protobuf/ArchiveEvent_pb.js';
export * from '../gen/opentera/protobuf/CreateSession_pb.js';
export * from '../gen/opentera/protobuf/DatabaseEvent_pb.js';
export * from '../gen/opentera/protobuf/DeviceEvent_pb.js';
export * from '../gen/opentera/protobuf/JoinSessionEvent_pb.js';
export * from '../gen/opentera/protobuf/JoinSessionReplyEvent_pb.js';
export * from '../gen/opentera/protobuf/LeaveSessionEvent_pb.js';
export * from '../gen/opentera/protobuf/LogEvent_pb.js';
export * from '../gen/opentera/protobuf/LoginEvent_pb.js';
export * from '../gen/opentera/protobuf/ParticipantEvent_pb.js';
export * from '../gen/opentera/protobuf/RPCMessage_pb.js';
export * from '../gen/opentera/protobuf/Result_pb.js';
export * from '../gen/opentera/protobuf/ServerCommand_pb.js';
export * from '../gen/opentera/protobuf/StopSessionEvent_pb.js';
export * from '../gen/opentera/protobuf/TeraEvent_pb.js';
export * from '../gen/opentera/protobuf/TeraMessage_pb.js';
export * from '../gen/opentera/protobuf/TeraModuleMessage_pb.js';
export * from '../gen/opentera/protobuf/UserEvent_pb.js';
export * from '../gen/opentera/protobuf/UserRegisterToEvent_pb.js';
export {
  create,
  toBinary,
  fromBinary,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
export { anyPack, anyUnpack, anyIs, AnySchema, type Any } from '@bufbuild/protobuf/wkt';

/** Every type of the dictionary; resolves Any type names (e.g. for JSON rendering). */
export const registry = createRegistry(
  file_opentera_protobuf_ArchiveEvent,
  file_opentera_protobuf_CreateSession,
  file_opentera_protobuf_DatabaseEvent,
  file_opentera_protobuf_DeviceEvent,
  file_opentera_protobuf_JoinSessionEvent,
  file_opentera_protobuf_JoinSessionReplyEvent,
  file_opentera_protobuf_LeaveSessionEvent,
  file_opentera_protobuf_LogEvent,
  file_opentera_protobuf_LoginEvent,
  file_opentera_protobuf_ParticipantEvent,
  file_opentera_protobuf_RPCMessage,
  file_opentera_protobuf_Result,
  file_opentera_protobuf_ServerCommand,
  file_opentera_protobuf_StopSessionEvent,
  file_opentera_protobuf_TeraEvent,
  file_opentera_protobuf_TeraMessage,
  file_opentera_protobuf_TeraModuleMessage,
  file_opentera_protobuf_UserEvent,
  file_opentera_protobuf_UserRegisterToEvent,
);

/**
 * The full type name an Any carries: the part of `type_url` after the last '/', e.g.
 * `opentera.protobuf.UserEvent`. As in OpenTera, the prefix is not checked.
 */
export function eventTypeName(any: Any): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
}

/** Packs a message as OpenTera does: type_url `type.googleapis.com/opentera.protobuf.<Name>`. */
export function packEvent<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): Any {
  return anyPack(schema, message);
}

/** Current time as OpenTera stamps headers: Unix seconds, as a double. */
export const nowSeconds = (): number => Date.now() / 1000;

/** A TeraEvent as publishers build it: header {version 1, time, topic}. */
export function teraEvent(topic: string, events: Any[], time: number = nowSeconds()): TeraEvent {
  return create(TeraEventSchema, {
    header: create(TeraEvent_HeaderSchema, { version: 1, time, topic }),
    events,
  });
}

/** A TeraModuleMessage: head {version 1, time now, seq 0, source, dest}. */
export function moduleMessage(
  source: string,
  dest: string,
  data: Any[],
  time: number = nowSeconds(),
): TeraModuleMessage {
  return create(TeraModuleMessageSchema, {
    head: create(TeraModuleMessage_HeaderSchema, { version: 1, time, seq: 0, source, dest }),
    data,
  });
}

/**
 * The forced-disconnect command, to publish on `dest`, the per-uuid channel
 * `module.TeraServer.TwistedModule.events.<uuid>`.
 */
export function disconnectCommand(
  dest: string,
  source: string = USER_MANAGER_MESSAGES,
): TeraModuleMessage {
  const command = create(ServerCommandSchema, {
    type: ServerCommand_CommandType.CMD_CLIENT_DISCONNECT,
  });
  return moduleMessage(source, dest, [packEvent(ServerCommandSchema, command)]);
}

/** The nine event types a client may receive, decoded; `type` is the message name. */
export type ClientEvent =
  | { readonly type: 'DeviceEvent'; readonly event: DeviceEvent }
  | { readonly type: 'JoinSessionEvent'; readonly event: JoinSessionEvent }
  | { readonly type: 'ParticipantEvent'; readonly event: ParticipantEvent }
  | { readonly type: 'StopSessionEvent'; readonly event: StopSessionEvent }
  | { readonly type: 'LeaveSessionEvent'; readonly event: LeaveSessionEvent }
  | { readonly type: 'UserEvent'; readonly event: UserEvent }
  | { readonly type: 'DatabaseEvent'; readonly event: DatabaseEvent }
  | { readonly type: 'JoinSessionReplyEvent'; readonly event: JoinSessionReplyEvent }
  | { readonly type: 'ArchiveEvent'; readonly event: ArchiveEvent };

const CLIENT_EVENT_SCHEMAS: ReadonlyMap<string, DescMessage> = new Map(
  [
    DeviceEventSchema,
    JoinSessionEventSchema,
    ParticipantEventSchema,
    StopSessionEventSchema,
    LeaveSessionEventSchema,
    UserEventSchema,
    DatabaseEventSchema,
    JoinSessionReplyEventSchema,
    ArchiveEventSchema,
  ].map((schema): [string, DescMessage] => [schema.typeName, schema]),
);

/**
 * Decodes one of the nine client event types from an Any (type chosen by eventTypeName).
 * Returns undefined for any other type; throws AppError('BAD_PAYLOAD') for bytes that do not
 * decode as the named type.
 */
export function unpackClientEvent(any: Any): ClientEvent | undefined {
  const schema = CLIENT_EVENT_SCHEMAS.get(eventTypeName(any));
  if (!schema) return undefined;
  try {
    const event = fromBinary(schema, any.value);
    return { type: schema.name, event } as ClientEvent;
  } catch (err) {
    throw new AppError('BAD_PAYLOAD', `Undecodable ${schema.typeName}`, { cause: err });
  }
}

/** Why an Any was not handed on as a client event. */
export type UnpackDrop = 'undecodable' | 'unknown-type';

/**
 * Visits each Any of `anys`, in order, decoded as a client event. One that does not decode,
 * or is of another type, is reported to `drop` and skipped; nothing throws.
 */
export function forEachClientEvent(
  anys: readonly Any[],
  visit: (event: ClientEvent, any: Any) => void,
  drop: (reason: UnpackDrop) => void,
): void {
  for (const any of anys) {
    let event: ClientEvent | undefined;
    try {
      event = unpackClientEvent(any);
    } catch {
      drop('undecodable');
      continue;
    }
    if (event) visit(event, any);
    else drop('unknown-type');
  }
}
