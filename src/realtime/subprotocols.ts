/**
 * Websocket subprotocols a client may offer (`Sec-WebSocket-Protocol`) to choose its frames.
 * Offering none gives OpenTera's JSON text frames, as existing clients expect.
 * `opentera-protobuf` opts in to binary frames: each one a binary protobuf
 * `opentera.protobuf.TeraMessage{message: Any(TeraEvent)}` with one event, the same message
 * the JSON frames render. When both are offered, binary wins.
 *
 * With history on, `terarelay-resume.v1` (JSON) and `terarelay-resume.v1.protobuf` (binary) opt
 * in to positions and resume (./resume-frames.ts); they win over the plain ones, so a client
 * offers a resume protocol first and a plain one for servers with history off.
 */
import type { WireFormat } from '../protocol/codec.js';

export const SUBPROTOCOL_BINARY = 'opentera-protobuf';
export const SUBPROTOCOL_JSON = 'opentera-json';
export const SUBPROTOCOL_RESUME_JSON = 'terarelay-resume.v1';
export const SUBPROTOCOL_RESUME_BINARY = 'terarelay-resume.v1.protobuf';

/** The subprotocol to accept among those offered, or false to accept none. */
export function chooseSubprotocol(
  offered: ReadonlySet<string>,
  options: { resume?: boolean } = {},
): string | false {
  if (options.resume) {
    if (offered.has(SUBPROTOCOL_RESUME_BINARY)) return SUBPROTOCOL_RESUME_BINARY;
    if (offered.has(SUBPROTOCOL_RESUME_JSON)) return SUBPROTOCOL_RESUME_JSON;
  }
  if (offered.has(SUBPROTOCOL_BINARY)) return SUBPROTOCOL_BINARY;
  if (offered.has(SUBPROTOCOL_JSON)) return SUBPROTOCOL_JSON;
  return false;
}

/** The frame format of an accepted subprotocol ('' when none was negotiated). */
export const formatOf = (protocol: string): WireFormat =>
  protocol === SUBPROTOCOL_BINARY || protocol === SUBPROTOCOL_RESUME_BINARY ? 'binary' : 'json';

/** Whether an accepted subprotocol opts in to positions and resume. */
export const isResumeProtocol = (protocol: string): boolean =>
  protocol === SUBPROTOCOL_RESUME_JSON || protocol === SUBPROTOCOL_RESUME_BINARY;
