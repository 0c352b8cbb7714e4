/**
 * A session as OpenTera's `TeraSession.to_json` writes it. Full: its columns (with
 * `session_parameters` decoded when it is JSON text), its participants, users and devices, its
 * creators' names and uuids, and its asset and test counts (always 0: TeraRelay stores neither).
 * Minimal (`list`, and the DatabaseEvents): the same without comments, parameters and members.
 * `deleted_at` appears only on a deleted session.
 */
import type { SessionMembers, SessionRow } from '../store/queries/admin-sessions.js';

/** Members of one session, grouped from the rows of `sessionMembers`. */
export function membersOf(all: SessionMembers, sessionId: number): SessionMembers {
  return {
    participants: all.participants.filter((p) => p.id_session === sessionId),
    users: all.users.filter((u) => u.id_session === sessionId),
    devices: all.devices.filter((d) => d.id_session === sessionId),
  };
}

/** Python's `json.loads(text)` when it succeeds, else the text itself. */
function decodedParameters(text: string | null): unknown {
  if (!text) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The session's JSON; `members` null for the minimal form. */
export function sessionJson(
  row: SessionRow,
  members: SessionMembers | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id_creator_device: row.id_creator_device,
    id_creator_participant: row.id_creator_participant,
    id_creator_service: row.id_creator_service,
    id_creator_user: row.id_creator_user,
    id_session: row.id_session,
    id_session_type: row.id_session_type,
    session_duration: row.session_duration,
    session_name: row.session_name,
    session_start_datetime: row.session_start_datetime,
    session_status: row.session_status,
    session_uuid: row.session_uuid,
  };
  if (row.deleted_at !== null) out.deleted_at = row.deleted_at;
  if (members) {
    out.session_comments = row.session_comments;
    out.session_parameters = decodedParameters(row.session_parameters);
    out.session_participants = members.participants.map((p) => ({
      id_participant: p.id_participant,
      participant_uuid: p.participant_uuid,
      participant_name: p.participant_name,
      id_project: p.id_project,
      project_name: p.project_name,
    }));
    out.session_users = members.users.map((u) => ({
      id_user: u.id_user,
      user_uuid: u.user_uuid,
      user_name: `${u.user_firstname} ${u.user_lastname}`,
    }));
    out.session_devices = members.devices.map((d) => ({
      id_device: d.id_device,
      device_uuid: d.device_uuid,
      device_name: d.device_name,
    }));
  }
  if (row.creator_user_uuid !== null) {
    out.session_creator_user = `${row.creator_user_firstname} ${row.creator_user_lastname}`;
    out.session_creator_user_uuid = row.creator_user_uuid;
  }
  if (row.creator_device_uuid !== null) {
    out.session_creator_device = row.creator_device_name;
    out.session_creator_device_uuid = row.creator_device_uuid;
  }
  if (row.creator_participant_uuid !== null) {
    out.session_creator_participant = row.creator_participant_name;
    out.session_creator_participant_uuid = row.creator_participant_uuid;
  }
  if (row.creator_service_uuid !== null) {
    out.session_creator_service = row.creator_service_name;
    out.session_creator_service_uuid = row.creator_service_uuid;
  }
  out.session_assets_count = 0;
  out.session_tests_count = 0;
  return out;
}
