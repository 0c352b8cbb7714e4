/**
 * Resume, the SDK side: a connection opts in with the subprotocol `terarelay-resume.v1` (or
 * `.protobuf` for binary frames), keeps where it stands (its resume token, the history's epoch,
 * its position), and when it reconnects presents them, so that the server gives it the events it
 * missed, or tells it `recovered: false` (then it starts fresh and rebuilds its state).
 *
 * A server with history off accepts the plain subprotocol offered after it: the connection then
 * works as OpenTera's clients do (nothing to resume; `recovered` stays null).
 *
 * Frames (the server's side is in src/realtime/resume-frames.ts): the client's first frame is
 * `{"type":"start"}` or `{"type":"resume","token","epoch","position"}`; the server's first is
 * `{"type":"welcome","token","epoch","position","recovered"?}`; `{"type":"position"}` moves the
 * position; an event frame carries its position (JSON key `position`, binary field 100).
 */
import { decodeJsonFrame, decodeEvent, type RelayEvent } from './events.js';
import { decodeBinaryFrame } from './frames.js';

export const SUBPROTOCOL_RESUME_JSON = 'terarelay-resume.v1';
export const SUBPROTOCOL_RESUME_BINARY = 'terarelay-resume.v1.protobuf';
/** The header a login carries to be let in while the server still holds the dead socket. */
export const RESUME_HEADER = 'X-TeraRelay-Resume';
/** The server closed this connection because the same client resumed on another one. */
export const REPLACED_CODE = 4002;

/** What one frame of a resumable connection was. */
export type ResumeFrame =
  | { readonly kind: 'welcome'; readonly recovered: boolean | null }
  | { readonly kind: 'position' }
  | { readonly kind: 'events'; readonly events: RelayEvent[] };

interface Standing {
  token: string;
  epoch: string;
  position: string;
}

/** Where one connection stands in the server's history, across its websockets. */
export class Resumer {
  private standing: Standing | null = null;

  /** The subprotocols to offer: the resume one first, the plain one for servers without it. */
  protocols(format: 'json' | 'binary', plain: string[]): string[] {
    return [format === 'binary' ? SUBPROTOCOL_RESUME_BINARY : SUBPROTOCOL_RESUME_JSON, ...plain];
  }

  /** Whether the server accepted resume for this websocket. */
  accepted(protocol: string): boolean {
    return protocol === SUBPROTOCOL_RESUME_JSON || protocol === SUBPROTOCOL_RESUME_BINARY;
  }

  /** The headers of the login that gets the next websocket URL. */
  headers(): Record<string, string> {
    return this.standing ? { [RESUME_HEADER]: this.standing.token } : {};
  }

  /** The first frame to send on a websocket where resume was accepted. */
  hello(): string {
    return JSON.stringify(this.standing ? { type: 'resume', ...this.standing } : { type: 'start' });
  }

  /** Forgets where it stood: the next websocket starts fresh. */
  forget(): void {
    this.standing = null;
  }

  /** Reads one frame, keeping the position it carries. */
  read(data: string | Uint8Array): ResumeFrame {
    if (typeof data !== 'string') {
      const position = binaryPosition(data);
      if (position !== null) this.advance(position);
      return { kind: 'events', events: decodeBinaryFrame(data) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data) as unknown;
    } catch {
      return { kind: 'events', events: [decodeEvent({ text: data }, '', 0)] };
    }
    const frame = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
      string,
      unknown
    >;
    if (frame.type === 'welcome' && typeof frame.token === 'string') {
      this.standing = {
        token: frame.token,
        epoch: String(frame.epoch),
        position: String(frame.position),
      };
      return {
        kind: 'welcome',
        recovered: typeof frame.recovered === 'boolean' ? frame.recovered : null,
      };
    }
    if (frame.type === 'position') {
      if (typeof frame.position === 'string') this.advance(frame.position);
      return { kind: 'position' };
    }
    if (typeof frame.position === 'string') this.advance(frame.position);
    return { kind: 'events', events: decodeJsonFrame(parsed) };
  }

  private advance(position: string): void {
    if (this.standing && later(position, this.standing.position)) this.standing.position = position;
  }
}

/** Whether position `a` (`<ms>-<seq>`) comes after `b`. */
function later(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

/** Field 100 of a binary frame (its position), read from the raw protobuf; null without it. */
function binaryPosition(bytes: Uint8Array): string | null {
  let i = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++];
      if (b === undefined) return -1;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return value;
    }
  };
  while (i < bytes.length) {
    const tag = varint();
    if (tag < 0 || (tag & 7) !== 2) return null;
    const length = varint();
    if (length < 0 || i + length > bytes.length) return null;
    if (Math.floor(tag / 8) === 100) {
      let text = '';
      for (let k = i; k < i + length; k++) text += String.fromCharCode(bytes[k]!);
      return text;
    }
    i += length;
  }
  return null;
}
