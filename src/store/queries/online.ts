/**
 * The reads behind GET /api/user/{users,participants,devices}/online: OpenTera's minimal row
 * of each non-deleted principal among the given uuids (not empty), in OpenTera's order (by
 * name, then id).
 */
import type { Db } from '../connect.js';
import { devicesByUuid, participantsByUuid, usersByUuid } from './principals.js';

export const onlineUserRows = (db: Db, uuids: readonly string[]) =>
  usersByUuid(db.kysely, uuids)
    .select(['id_user', 'user_uuid', 'user_firstname', 'user_lastname', 'user_enabled'])
    .orderBy('user_firstname')
    .orderBy('id_user')
    .execute();

/** With the participant's project name and its site. */
export const onlineParticipantRows = (db: Db, uuids: readonly string[]) =>
  participantsByUuid(db.kysely, uuids)
    .select([
      'p.id_participant',
      'p.participant_uuid',
      'p.participant_name',
      'p.participant_email',
      'p.participant_enabled',
      'p.participant_token_enabled',
      'p.id_participant_group',
      'p.id_project',
      'pr.project_name',
      's.id_site',
      's.site_name',
    ])
    .orderBy('p.participant_name')
    .orderBy('p.id_participant')
    .execute();

export const onlineDeviceRows = (db: Db, uuids: readonly string[]) =>
  devicesByUuid(db.kysely, uuids)
    .select([
      'id_device',
      'device_uuid',
      'device_name',
      'id_device_type',
      'id_device_subtype',
      'device_enabled',
    ])
    .orderBy('device_name')
    .orderBy('id_device')
    .execute();
