/**
 * The UserEvent / ParticipantEvent / DeviceEvent a principal's presence and session state
 * produce, with the fields OpenTera fills, and the one way they are announced: a TeraEvent on
 * `module.TeraServer.UserManagerModule.events`, where every connection of every node listens.
 */
import type { Deps } from '../deps.js';
import type { PrincipalRecord } from '../access/principals.js';
import { USER_MANAGER_EVENTS } from '../topics.js';
import {
  teraEvent,
  create,
  DeviceEvent_EventType,
  DeviceEventSchema,
  packEvent,
  ParticipantEvent_EventType,
  ParticipantEventSchema,
  UserEvent_EventType,
  UserEventSchema,
  type Any,
} from '../protocol/messages.js';

export type PresenceChange = 'connected' | 'disconnected' | 'joined' | 'left';

const USER_TYPES: Record<PresenceChange, UserEvent_EventType> = {
  connected: UserEvent_EventType.USER_CONNECTED,
  disconnected: UserEvent_EventType.USER_DISCONNECTED,
  joined: UserEvent_EventType.USER_JOINED_SESSION,
  left: UserEvent_EventType.USER_LEFT_SESSION,
};
const PARTICIPANT_TYPES: Record<PresenceChange, ParticipantEvent_EventType> = {
  connected: ParticipantEvent_EventType.PARTICIPANT_CONNECTED,
  disconnected: ParticipantEvent_EventType.PARTICIPANT_DISCONNECTED,
  joined: ParticipantEvent_EventType.PARTICIPANT_JOINED_SESSION,
  left: ParticipantEvent_EventType.PARTICIPANT_LEFT_SESSION,
};
const DEVICE_TYPES: Record<PresenceChange, DeviceEvent_EventType> = {
  connected: DeviceEvent_EventType.DEVICE_CONNECTED,
  disconnected: DeviceEvent_EventType.DEVICE_DISCONNECTED,
  joined: DeviceEvent_EventType.DEVICE_JOINED_SESSION,
  left: DeviceEvent_EventType.DEVICE_LEFT_SESSION,
};

/** The event about `principal`, packed in an Any as OpenTera packs it. */
export function presenceEvent(principal: PrincipalRecord, change: PresenceChange): Any {
  switch (principal.kind) {
    case 'user':
      return packEvent(
        UserEventSchema,
        create(UserEventSchema, {
          userUuid: principal.uuid,
          type: USER_TYPES[change],
          userFullname: principal.name,
        }),
      );
    case 'participant':
      return packEvent(
        ParticipantEventSchema,
        create(ParticipantEventSchema, {
          participantUuid: principal.uuid,
          type: PARTICIPANT_TYPES[change],
          participantName: principal.name,
          participantProjectName: principal.projectName ?? '',
          participantSiteName: principal.siteName ?? '',
        }),
      );
    case 'device':
      return packEvent(
        DeviceEventSchema,
        create(DeviceEventSchema, {
          deviceUuid: principal.uuid,
          type: DEVICE_TYPES[change],
          deviceName: principal.name,
        }),
      );
  }
}

/**
 * Publishes `events` as one TeraEvent on the UserManager's events topic. Rejects when the bus
 * cannot publish.
 */
export async function announce(
  deps: Pick<Deps, 'bus' | 'codec'>,
  ...events: readonly Any[]
): Promise<void> {
  const payload = deps.codec.encodeEvent(teraEvent(USER_MANAGER_EVENTS, [...events]));
  await deps.bus.publish(USER_MANAGER_EVENTS, payload);
}
