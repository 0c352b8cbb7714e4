/**
 * The events the fan-out publishes: OpenTera's binary TeraEvent on the UserManager topic, one
 * ParticipantEvent each, whose participant name carries `bench#<seq>#<sent epoch ms>#` so that a
 * receiver knows which event it got and when it was sent (then, for larger events, padding).
 */
import { createCodec } from '../../src/protocol/codec.js';
import {
  create,
  packEvent,
  ParticipantEvent_EventType,
  ParticipantEventSchema,
  teraEvent,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';

const codec = createCodec();
const MARK = Buffer.from('bench#');
const HASH = 0x23;

/** Milliseconds since the epoch, with sub-millisecond precision (same clock in every process). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * The bus payload of event `seq` about `participant`, stamped with the current time; `pad`
 * (e.g. 'x'.repeat(n)) follows the mark in the participant name.
 */
export function benchEvent(
  participant: { uuid: string; project: string },
  seq: number,
  pad = '',
): Uint8Array {
  const event = create(ParticipantEventSchema, {
    participantUuid: participant.uuid,
    participantName: `bench#${seq}#${nowMs().toFixed(3)}#${pad}`,
    participantProjectName: participant.project,
    participantSiteName: 'Default Site',
    type: ParticipantEvent_EventType.PARTICIPANT_CONNECTED,
  });
  return codec.encodeEvent(
    teraEvent(USER_MANAGER_EVENTS, [packEvent(ParticipantEventSchema, event)]),
  );
}

/** The mark of a received frame, or null for a frame without one (e.g. presence events). */
export function readMark(frame: Buffer): { seq: number; sentMs: number } | null {
  const start = frame.indexOf(MARK);
  if (start < 0) return null;
  let i = start + MARK.length;
  let seq = 0;
  for (; i < frame.length && frame[i] !== HASH; i++) seq = seq * 10 + (frame[i]! - 0x30);
  const end = frame.indexOf(HASH, i + 1);
  if (end < 0) return null;
  return { seq, sentMs: Number(frame.toString('latin1', i + 1, end)) };
}
