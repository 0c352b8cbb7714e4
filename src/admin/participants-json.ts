/**
 * OpenTera's JSON of participants, participant groups, devices and projects (`to_json` of
 * their models, full or `minimal`), and the documented schemas of those shapes. Static tokens
 * are secrets: the callers decide who sees them (`withToken`).
 */
import Type from 'typebox';
import type { ParticipantRow, GroupRow } from '../store/queries/admin-participants.js';
import type { DeviceRow } from '../store/queries/lists.js';
import { Nullable } from './participants-kit.js';

type Row = Record<string, unknown>;

// Participants.

const participantMinimalFields = {
  id_participant: Type.Integer(),
  participant_uuid: Type.String(),
  participant_name: Type.String(),
  participant_email: Nullable(Type.String()),
  participant_token_enabled: Type.Boolean(),
  participant_enabled: Type.Boolean(),
  id_participant_group: Nullable(Type.Integer()),
  id_project: Type.Integer(),
};

/** A participant's minimal JSON (also its DatabaseEvent object). */
export function participantMinimal(p: ParticipantRow): Row {
  return {
    id_participant: p.id_participant,
    participant_uuid: p.participant_uuid,
    participant_name: p.participant_name,
    participant_email: p.participant_email,
    participant_token_enabled: p.participant_token_enabled,
    participant_enabled: p.participant_enabled,
    id_participant_group: p.id_participant_group,
    id_project: p.id_project,
  };
}

/** A participant's full JSON; `participant_token` only `withToken`. */
export function participantFull(p: ParticipantRow, withToken: boolean): Row {
  return {
    id_participant: p.id_participant,
    participant_uuid: p.participant_uuid,
    participant_name: p.participant_name,
    participant_username: p.participant_username,
    participant_email: p.participant_email,
    participant_token_enabled: p.participant_token_enabled,
    ...(withToken ? { participant_token: p.participant_token } : {}),
    participant_lastonline: p.participant_lastonline,
    participant_enabled: p.participant_enabled,
    participant_login_enabled: p.participant_login_enabled,
    id_participant_group: p.id_participant_group,
    id_project: p.id_project,
    participant_project_enabled: p.participant_project_enabled,
  };
}

// Groups.

export function groupJson(g: GroupRow, minimal: boolean): Row {
  return {
    id_participant_group: g.id_participant_group,
    id_project: g.id_project,
    participant_group_name: g.participant_group_name,
    ...(minimal ? {} : { project_name: g.project_name }),
  };
}

export const GroupItem = Type.Object(
  {
    id_participant_group: Type.Integer(),
    id_project: Type.Integer(),
    participant_group_name: Type.String(),
    project_name: Type.Optional(Type.String()),
    group_participant_count: Type.Optional(Type.Integer({ description: 'With `list`' })),
  },
  { additionalProperties: false },
);

// Projects.

export interface ProjectJsonRow {
  id_project: number;
  id_site: number;
  project_name: string;
  project_enabled: boolean;
  project_description: string | null;
}

export const projectJson = (p: ProjectJsonRow): Row => ({
  id_project: p.id_project,
  id_site: p.id_site,
  project_name: p.project_name,
  project_enabled: p.project_enabled,
  project_description: p.project_description,
});

export const ProjectJson = Type.Object({
  id_project: Type.Integer(),
  id_site: Type.Integer(),
  project_name: Type.String(),
  project_enabled: Type.Boolean(),
  project_description: Nullable(Type.String()),
});

// Devices.

type DeviceColumns = Omit<DeviceRow, 'subtype'>;

const deviceMinimalFields = {
  id_device: Type.Integer(),
  device_uuid: Type.String(),
  device_name: Type.String(),
  id_device_type: Type.Integer(),
  id_device_subtype: Nullable(Type.Integer()),
  device_enabled: Type.Boolean(),
};

const deviceFullFields = {
  device_token: Type.Optional(
    Nullable(Type.String({ description: 'Only for callers administering the device' })),
  ),
  device_onlineable: Type.Optional(Type.Boolean()),
  device_config: Type.Optional(Nullable(Type.String())),
  device_infos: Type.Optional(Nullable(Type.String())),
  device_notes: Type.Optional(Nullable(Type.String())),
  device_lastonline: Type.Optional(Nullable(Type.String())),
};

/** A device's minimal JSON (also its DatabaseEvent object). */
export function deviceMinimal(d: DeviceColumns): Row {
  return {
    id_device: d.id_device,
    device_uuid: d.device_uuid,
    device_name: d.device_name,
    id_device_type: d.id_device_type,
    id_device_subtype: d.id_device_subtype,
    device_enabled: d.device_enabled,
  };
}

/** A device's full JSON; `device_token` only `withToken`. */
export function deviceFull(d: DeviceColumns, withToken: boolean): Row {
  return {
    id_device: d.id_device,
    device_uuid: d.device_uuid,
    device_name: d.device_name,
    id_device_type: d.id_device_type,
    id_device_subtype: d.id_device_subtype,
    ...(withToken ? { device_token: d.device_token } : {}),
    device_enabled: d.device_enabled,
    device_onlineable: d.device_onlineable,
    device_config: d.device_config,
    device_infos: d.device_infos,
    device_notes: d.device_notes,
    device_lastonline: d.device_lastonline,
  };
}

/** A device, full or minimal. */
export const DeviceJson = Type.Object(
  { ...deviceMinimalFields, ...deviceFullFields },
  { additionalProperties: false },
);

/** A participant group as `participant_participant_group` embeds it. */
const GroupFull = Type.Object({
  id_participant_group: Type.Integer(),
  id_project: Type.Integer(),
  participant_group_name: Type.String(),
  project_name: Type.String(),
});

/** GET /api/user/participants and POST's answer: full fields unless `list`. */
export const ParticipantItem = Type.Object(
  {
    ...participantMinimalFields,
    participant_username: Type.Optional(Nullable(Type.String())),
    participant_token: Type.Optional(
      Nullable(Type.String({ description: 'For project admins, site admins, superadmins' })),
    ),
    participant_lastonline: Type.Optional(Nullable(Type.String())),
    participant_login_enabled: Type.Optional(Type.Boolean()),
    participant_project_enabled: Type.Optional(Type.Boolean()),
    id_site: Type.Optional(Type.Integer({ description: 'With id_participant' })),
    participant_lastsession: Type.Optional(
      Nullable(Type.String({ description: 'With id_participant or id_group' })),
    ),
    participant_participant_group: Type.Optional(GroupFull),
    participant_devices: Type.Optional(Type.Array(DeviceJson)),
    participant_project: Type.Optional(ProjectJson),
    participant_online: Type.Boolean(),
    participant_busy: Type.Boolean(),
  },
  { additionalProperties: false },
);
