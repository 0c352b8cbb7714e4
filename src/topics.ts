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

/** DatabaseEvents about one model, e.g. `module.TeraServer.DatabaseModule.events.user`. */
export const databaseEventsTopic = (model: string): string =>
  moduleEventsTopic(MODULE.database, model);

/** Direct events for one principal's connections. */
export const directTopic = (kind: PrincipalKind, uuid: string): string =>
  `websocket.${kind}.${uuid}.events`;

export const serviceEventsTopic = (serviceKey: string): string => `service.${serviceKey}.events`;

/** OpenTera's FileTransferService publishes ArchiveEvents here; every connection listens. */
export const FILE_TRANSFER_EVENTS = serviceEventsTopic('FileTransferService');

/** Models whose DatabaseEvents may change what a live connection may see. */
export const ACCESS_MODELS = [
  'user',
  'user_group',
  'participant',
  'participant_group',
  'device',
  'project',
  'site',
  'session',
  'service',
] as const;
