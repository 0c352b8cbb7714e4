/**
 * The frames of the resume protocol (`terarelay-resume.v1`, `terarelay-resume.v1.protobuf`):
 *
 * - client → server, its first frame (text JSON): `{"type":"start"}`, or
 *   `{"type":"resume","token":…,"epoch":…,"position":…}`;
 * - server → client, text JSON: `{"type":"welcome","token","epoch","position"}` first (with
 *   `"recovered"` when the client asked to resume, and `"reason"` when that is false), and
 *   `{"type":"position","position"}` whenever the client's position moves past events it was
 *   not allowed to see or past a replay;
 * - an event frame is OpenTera's frame with its position: JSON text `{"position": "<id>", …}`
 *   (one more key before `"message"`); binary: the `TeraMessage` bytes followed by field 100
 *   (length-delimited string), which a protobuf parser that does not know it skips.
 */
import { isPosition } from '../seams/history/positions.js';
import { MAX_RESUME_TOKEN_LENGTH } from '../seams/history/tokens.js';
import type { WireFormat } from '../protocol/codec.js';

/** The field number carrying the position in a binary frame. */
export const POSITION_FIELD = 100;
/** Its tag, (100 << 3) | 2, as a varint. */
const POSITION_TAG = Uint8Array.of(0xa2, 0x06);
const JSON_OPEN = 1; // `{` of OpenTera's pretty-printed JSON

export type ClientHello =
  | { readonly type: 'start' }
  | {
      readonly type: 'resume';
      readonly token: string;
      readonly epoch: string;
      readonly position: string;
    };

/** The first client frame, or null when it is not a valid one. */
export function parseHello(text: string | null): ClientHello | null {
  if (text === null || text.length > 4096) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, token, epoch, position } = value as Record<string, unknown>;
  if (type === 'start') return { type };
  if (
    type === 'resume' &&
    typeof token === 'string' &&
    token.length > 0 &&
    token.length <= MAX_RESUME_TOKEN_LENGTH &&
    typeof epoch === 'string' &&
    epoch.length <= 64 &&
    isPosition(position)
  )
    return { type, token, epoch, position };
  return null;
}

export interface Welcome {
  token: string;
  epoch: string;
  position: string;
  recovered?: boolean;
  reason?: string;
}

export const welcomeFrame = (welcome: Welcome): string =>
  JSON.stringify({ type: 'welcome', ...welcome });

export const positionFrame = (position: string): string =>
  JSON.stringify({ type: 'position', position });

/** OpenTera's frame (`frame`, as made for `format`) carrying `position`. */
export function positioned(frame: Uint8Array, format: WireFormat, position: string): Uint8Array {
  if (format === 'json') {
    const head = Buffer.from(`{\n  "position": "${position}",`, 'latin1');
    return Buffer.concat([head, frame.subarray(JSON_OPEN)]);
  }
  const id = Buffer.from(position, 'latin1');
  return Buffer.concat([frame, POSITION_TAG, Uint8Array.of(id.length), id]);
}
