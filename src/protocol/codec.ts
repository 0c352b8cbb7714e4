/**
 * Bytes ⇄ messages at the edges: binary protobuf on the bus (OpenTera's Redis payloads), and
 * the frames a websocket client receives. A frame is `TeraMessage{message: Any(TeraEvent)}`,
 * either as OpenTera's JSON text (the default) or as binary protobuf (opt-in).
 */
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { AppError } from '../errors.js';
import {
  create,
  eventTypeName,
  fromBinary,
  packEvent,
  registry,
  RPCMessageSchema,
  TeraEventSchema,
  TeraMessageSchema,
  TeraModuleMessageSchema,
  toBinary,
  type RPCMessage,
  type TeraEvent,
  type TeraModuleMessage,
} from './messages.js';
import { renderOpenTeraJson } from './opentera-json.js';

export type WireFormat = 'json' | 'binary';

export interface Codec {
  /** A binary TeraEvent from the bus; throws AppError('BAD_PAYLOAD') when it does not decode. */
  decodeEvent(payload: Uint8Array): TeraEvent;
  /** A binary TeraEvent for the bus. */
  encodeEvent(event: TeraEvent): Uint8Array;
  /**
   * The frame a websocket client gets: JSON text for 'json', bytes for 'binary'. Throws
   * AppError('BAD_PAYLOAD') when an event's type is not in the dictionary (for 'json' also
   * when its bytes do not decode): such a frame must never reach a client.
   */
  encodeFrame(event: TeraEvent, format: WireFormat): string | Uint8Array;
  /** A binary TeraModuleMessage; throws AppError('BAD_PAYLOAD') when it does not decode. */
  decodeModuleMessage(payload: Uint8Array): TeraModuleMessage;
  encodeModuleMessage(message: TeraModuleMessage): Uint8Array;
  /** A binary RPCMessage; throws AppError('BAD_PAYLOAD') when it does not decode. */
  decodeRpc(payload: Uint8Array): RPCMessage;
  encodeRpc(message: RPCMessage): Uint8Array;
}

function decode<Desc extends DescMessage>(schema: Desc, payload: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, payload);
  } catch (err) {
    throw new AppError('BAD_PAYLOAD', `Payload is not a binary ${schema.name}`, { cause: err });
  }
}

/** The codec: stateless, safe to share. */
export function createCodec(): Codec {
  return {
    decodeEvent: (payload) => decode(TeraEventSchema, payload),
    encodeEvent: (event) => toBinary(TeraEventSchema, event),
    encodeFrame(event, format) {
      for (const any of event.events) {
        if (!registry.getMessage(eventTypeName(any))) {
          throw new AppError('BAD_PAYLOAD', `Unknown event type: ${any.typeUrl}`);
        }
      }
      const frame = create(TeraMessageSchema, { message: packEvent(TeraEventSchema, event) });
      return format === 'json'
        ? renderOpenTeraJson(TeraMessageSchema, frame, registry)
        : toBinary(TeraMessageSchema, frame);
    },
    decodeModuleMessage: (payload) => decode(TeraModuleMessageSchema, payload),
    encodeModuleMessage: (message) => toBinary(TeraModuleMessageSchema, message),
    decodeRpc: (payload) => decode(RPCMessageSchema, payload),
    encodeRpc: (message) => toBinary(RPCMessageSchema, message),
  };
}
