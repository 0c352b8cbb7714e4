/**
 * Websocket subprotocols a client may offer (`Sec-WebSocket-Protocol`) to choose its frames.
 * Offering none gives OpenTera's JSON text frames, as existing clients expect.
 * `opentera-protobuf` opts in to binary frames: each one a binary protobuf
 * `opentera.protobuf.TeraMessage{message: Any(TeraEvent)}` with one event, the same message
 * the JSON frames render. When both are offered, binary wins.
 */
import type { WireFormat } from '../protocol/codec.js';

export const SUBPROTOCOL_BINARY = 'opentera-protobuf';
export const SUBPROTOCOL_JSON = 'opentera-json';

/** The subprotocol to accept among those offered, or false to accept none. */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  if (offered.has(SUBPROTOCOL_BINARY)) return SUBPROTOCOL_BINARY;
  if (offered.has(SUBPROTOCOL_JSON)) return SUBPROTOCOL_JSON;
  return false;
}

/** The frame format of an accepted subprotocol ('' when none was negotiated). */
export const formatOf = (protocol: string): WireFormat =>
  protocol === SUBPROTOCOL_BINARY ? 'binary' : 'json';
