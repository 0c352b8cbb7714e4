/**
 * The frames of one event in one fan-out, each made at most once and shared by every member
 * that gets it: per wire format, the payload (null when the event cannot be encoded), its
 * positioned variant for members that opted in to resume, and the whole websocket frame of each
 * (./wire.ts), so that no per-socket framing is done.
 */
import type { WireFormat } from '../protocol/codec.js';
import { positioned } from './resume-frames.js';
import { wireFrame } from './wire.js';

/** A payload and the websocket frame that carries it. */
export interface Prepared {
  readonly payload: Uint8Array;
  readonly wire: Uint8Array;
}

const JSON_PLAIN = 0;
const BINARY_PLAIN = 1;
const JSON_POSITIONED = 2;
const BINARY_POSITIONED = 3;

export class EventFrames {
  /** By slot: undefined until asked, null when it cannot be made. */
  private readonly made: Array<Prepared | null | undefined> = [
    undefined,
    undefined,
    undefined,
    undefined,
  ];

  /**
   * `render` encodes the event in one format (null: it cannot be); `position` is the event's,
   * null when it has none (history off).
   */
  constructor(
    private readonly render: (format: WireFormat) => Uint8Array | null,
    readonly position: string | null,
  ) {}

  /** What a member of `format` gets: positioned when `resumable` and the event has a position. */
  for(format: WireFormat, resumable: boolean): Prepared | null {
    const withPosition = resumable && this.position !== null;
    const slot =
      format === 'json'
        ? withPosition
          ? JSON_POSITIONED
          : JSON_PLAIN
        : withPosition
          ? BINARY_POSITIONED
          : BINARY_PLAIN;
    const known = this.made[slot];
    if (known !== undefined) return known;
    let payload: Uint8Array | null;
    if (withPosition) {
      const plain = this.for(format, false);
      payload = plain && positioned(plain.payload, format, this.position as string);
    } else payload = this.render(format);
    const made = payload && { payload, wire: wireFrame(payload, format) };
    this.made[slot] = made;
    return made;
  }
}
