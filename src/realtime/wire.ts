/**
 * A websocket frame as a server writes it, made once for many sockets: FIN set, no extension
 * bits, unmasked (RFC 6455 §5.2: servers never mask), a text frame for the JSON format and a
 * binary frame for protobuf. The bytes come from ws's own framing (`Sender.frame`), so a socket
 * written them directly receives exactly what `ws.send(payload)` would have written; valid on
 * every connection that negotiated no extension (the gateway turns permessage-deflate off).
 */
import * as ws from 'ws';
import type { WireFormat } from '../protocol/codec.js';

/** The part of ws's Sender used here (a named export of ws that @types/ws does not declare). */
interface SenderFraming {
  frame(
    data: Buffer,
    options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
  ): Buffer[];
}
const { Sender } = ws as unknown as { Sender: SenderFraming };

const TEXT = 1;
const BINARY = 2;

/** The whole frame carrying `payload` as `format`'s frame type, header included. */
export function wireFrame(payload: Uint8Array, format: WireFormat): Buffer {
  const data = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const parts = Sender.frame(data, {
    fin: true,
    rsv1: false,
    opcode: format === 'json' ? TEXT : BINARY,
    mask: false,
    readOnly: false,
  });
  return Buffer.concat(parts);
}
