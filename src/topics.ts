/**
 * OpenTera's bus topic names. Every producer and consumer builds names here, so
 * the Redis channels stay byte-identical to what OpenTera's Python services use.
 */
import type { PrincipalKind } from './principal.js';

export const MODULE = {
  flask: 'TeraServer.FlaskModule',
  twisted: 'TeraServer.TwistedModule',
  userManager: 'TeraServer.UserManagerModule',
  database: 'TeraServer.DatabaseModule',
} as const;

export type ModuleName = (typeof MODULE)[keyof typeof MODULE];

export const moduleMessagesTopic = (module: ModuleName): string => `module.${module}.messages`;
export const moduleRpcTopic = (module: ModuleName): string => `module.${module}.rpc`;
export const moduleEventsTopic = (module: ModuleName, subtopic?: string): string =>
  subtopic ? `module.${module}.events.${subtopic}` : `module.${module}.events`;

/** Presence and session-state events published by the UserManagerModule. */
export const USER_MANAGER_EVENTS = moduleEventsTopic(MODULE.userManager);
/** Module messages (CONNECTED/DISCONNECTED, session events) sent to the UserManagerModule. */
export const USER_MANAGER_MESSAGES = moduleMessagesTopic(MODULE.userManager);
export const USER_MANAGER_RPC = moduleRpcTopic(MODULE.userManager);

/** Server commands (CMD_CLIENT_DISCONNECT) for every connection of one uuid. */
export const twistedCommandsTopic = (uuid: string): string =>
  moduleEventsTopic(MODULE.twisted, uuid);

/** What every `twistedCommandsTopic` starts with; the uuid follows. */
export const TWISTED_COMMANDS_PREFIX = `${moduleEventsTopic(MODULE.twisted)}.`;

/** DatabaseEvents about one model, e.g. `module.TeraServer.DatabaseModule.events.user`. */
export const databaseEventsTopic = (model: string): string =>
  moduleEventsTopic(MODULE.database, model);

/** Direct events for one principal's connections. */
export const directTopic = (kind: PrincipalKind, uuid: string): string =>
  `websocket.${kind}.${uuid}.events`;

export const serviceEventsTopic = (serviceKey: string): string => `service.${serviceKey}.events`;

/** OpenTera's FileTransferService publishes ArchiveEvents here; every connection listens. */
export const FILE_TRANSFER_EVENTS = serviceEventsTopic('FileTransferService');

/** What every `directTopic` starts with (other topics may start with it too). */
export const DIRECT_TOPIC_PREFIX = 'websocket.';

const DIRECT_TOPIC = /^websocket\.(user|participant|device)\.([^.]+)\.events$/;

/** The principal a `directTopic` is for; null for any other topic. */
export function directTopicOwner(topic: string): { kind: PrincipalKind; uuid: string } | null {
  const match = DIRECT_TOPIC.exec(topic);
  return match ? { kind: match[1] as PrincipalKind, uuid: match[2]! } : null;
}

/** The topics whose events are kept in the history (clients listen to them). */
export const isHistoryTopic = (topic: string): boolean =>
  topic === USER_MANAGER_EVENTS || topic === FILE_TRANSFER_EVENTS || DIRECT_TOPIC.test(topic);

const EVERY_KIND: readonly PrincipalKind[] = ['user', 'participant', 'device'];

/**
 * The DatabaseEvent models (OpenTera's, and TeraRelay's link tables) whose changes may change
 * what a live connection may see, each with the principal kinds whose access sets, session
 * memberships or right to stay connected it may change. A user sees through groups, roles,
 * sites, projects and the site links of devices; a participant and a device see each other
 * through their links; every kind sees its sessions; a user, participant or device event may
 * disable or delete that principal. Models absent here (`participant_group`, `session_type`,
 * `session_type_project`, …) change no access.
 */
export const ACCESS_MODELS: Readonly<Record<string, readonly PrincipalKind[]>> = {
  user: ['user'],
  user_group: ['user'],
  user_user_group: ['user'],
  service_access: ['user'],
  service: ['user'],
  site: ['user'],
  project: ['user'],
  device_site: ['user'],
  device_project: ['user'],
  participant: EVERY_KIND,
  device: EVERY_KIND,
  session: EVERY_KIND,
  device_participant: ['participant', 'device'],
};
