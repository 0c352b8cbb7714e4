/**
 * POST /api/user/participants, as OpenTera's UserQueryParticipants: `{"participant": {...}}`
 * creates (`id_participant` 0, with `id_project` or `id_participant_group`) or updates a
 * participant. The caller needs a role in the participant's project (and in the one it moves
 * to); a group must belong to that project. A disabled project takes no new participant and
 * no re-enabled one. Usernames stay unique among living participants (409); passwords are
 * stored as bcrypt hashes and never returned. A participant enabled with tokens gets its
 * static token, returned in the answer.
 */
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import { signParticipantStaticToken } from '../auth/jwt.js';
import { hashPassword } from '../auth/passwords.js';
import type { ApiContext } from '../http/context.js';
import { statusFields, statuses } from '../http/api/online.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import type { Database, ParticipantUpdate } from '../store/schema.js';
import type { Kysely } from 'kysely';
import {
  groupRow,
  insertParticipant,
  participantUsernameTaken,
  projectRow,
  selectParticipants,
  updateParticipant,
  type ParticipantRow,
} from '../store/queries/admin-participants.js';
import { getSetting, SETTING } from '../store/queries/settings.js';
import { JsonText } from '../http/schemas.js';
import { participantFull, participantMinimal, ParticipantItem } from './participants-json.js';
import {
  accessOf,
  answers,
  bodyObject,
  isId,
  isRefusal,
  isUniqueViolation,
  objectAt,
  publishChange,
  readFields,
  refuse,
  sendBadField,
  transact,
  userWriteRoute,
  type Json,
  type Refusal,
} from './participants-kit.js';

const FIELDS = {
  participant_name: 'string',
  participant_username: 'string?',
  participant_email: 'string?',
  participant_password: 'string?',
  participant_token_enabled: 'boolean',
  participant_enabled: 'boolean',
  participant_login_enabled: 'boolean',
  id_participant_group: 'int?',
  id_project: 'int',
} as const;

const MISSING_IDS = 'Missing id_participant, id_project or id_participant_group';

/** What a POST body asks for, once its types are checked. */
interface Posted {
  id: number;
  name?: string;
  username?: string | null;
  email?: string | null;
  /** The bcrypt hash of a new password. */
  passwordHash?: string;
  tokenEnabled?: boolean;
  enabled?: boolean;
  loginEnabled?: boolean;
  /** Present when the body names it; null: no group. */
  group?: number | null;
  project?: number;
}

type Outcome = { id: number; created: boolean };

export function participantPostRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: '/api/user/participants',
    summary: 'Create (id_participant 0) or update a participant',
    body: Type.Object({
      participant: Type.Object(
        {
          id_participant: Type.Integer({ description: '0 creates a participant' }),
          id_project: Type.Optional(Type.Integer()),
          id_participant_group: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
          participant_name: Type.Optional(Type.String()),
          participant_username: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          participant_email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          participant_password: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          participant_token_enabled: Type.Optional(Type.Boolean()),
          participant_enabled: Type.Optional(Type.Boolean()),
          participant_login_enabled: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: true },
      ),
    }),
    response: { ...answers(Type.Array(ParticipantItem)), 409: JsonText },
    handle: async ({ request, reply, caller }) => {
      const json = objectAt(bodyObject(request.body), 'participant');
      if (!json) return sendText(reply, 400, 'Missing participant');
      const posted = await parse(json);
      if ('field' in posted) return sendBadField(reply, posted.field);
      if ('text' in posted) return sendText(reply, 400, posted.text);
      const access = await accessOf(ctx, caller);
      let outcome: Outcome | Refusal;
      try {
        outcome = await transact(ctx, (trx) => write(trx, access, posted));
      } catch (err) {
        if (isUniqueViolation(err))
          return sendText(reply, 409, 'Participant username already in use.');
        throw err;
      }
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      const [row] = await selectParticipants(ctx.deps.db.kysely, { by: 'id', id: outcome.id });
      if (!row) return sendText(reply, 500, 'Database error');
      await publishChange(ctx, 'participant', outcome.created ? 'create' : 'update', {
        ...participantMinimal(row),
      });
      const status = await statuses(ctx, 'participant');
      return sendJson(reply, 200, [
        {
          ...participantFull(row, true),
          ...statusFields('participant', status, row.participant_uuid),
        },
      ]);
    },
  });
}

/** The body's fields, type-checked, with the password hashed (off the event loop). */
async function parse(json: Json): Promise<Posted | { field: string } | { text: string }> {
  if (!Object.hasOwn(json, 'id_participant')) return { text: MISSING_IDS };
  const id = json.id_participant;
  if (!isId(id) || id < 0) return { field: 'id_participant' };
  const read = readFields(json, FIELDS);
  if (!read.ok) return { field: read.field };
  const v = read.values;
  const creating = id === 0;
  if (creating && v.id_project === undefined && v.id_participant_group === undefined)
    return { text: MISSING_IDS };
  const password = v.participant_password;
  const username = v.participant_username;
  return {
    id,
    name: v.participant_name,
    username: username === '' ? null : username,
    email: v.participant_email,
    ...(password ? { passwordHash: await hashPassword(password) } : {}),
    tokenEnabled: v.participant_token_enabled,
    enabled: v.participant_enabled,
    loginEnabled: v.participant_login_enabled,
    ...(Object.hasOwn(json, 'id_participant_group')
      ? { group: v.id_participant_group || null }
      : {}),
    project: v.id_project,
  };
}

const deny = refuse;

/** The checks and the write, in one transaction. */
async function write(
  trx: Kysely<Database>,
  access: UserAccess,
  p: Posted,
): Promise<Outcome | Refusal> {
  let project = p.project;
  if (project !== undefined && project > 0 && !access.projectIds.has(project))
    return deny(403, 'No admin access to project');
  if (p.group) {
    const group = await groupRow(trx, p.group);
    if (!group || !access.projectIds.has(group.id_project))
      return deny(403, 'No admin access to group');
    if (project !== undefined && project > 0 && group.id_project !== project)
      return deny(400, "Mismatch between id_project and group's project");
    project = group.id_project;
  }

  let current: ParticipantRow | undefined;
  if (p.id > 0) {
    [current] = await selectParticipants(trx, { by: 'id', id: p.id });
    if (!current || !access.participantUuids.has(current.participant_uuid))
      return deny(403, 'Forbidden');
  }
  const targetProject = project || current?.id_project;
  if (!targetProject) return deny(400, MISSING_IDS);
  const projectState = await projectRow(trx, targetProject);
  if (!projectState) return deny(400, MISSING_IDS);
  if (p.username && (await participantUsernameTaken(trx, p.username, p.id)))
    return deny(409, 'Participant username already in use.');

  if (!current) {
    if (p.name === undefined) return deny(400, 'Missing participant_name');
    if (!projectState.project_enabled)
      return deny(400, 'Participant project disabled - no insert allowed');
    return create(trx, p, targetProject);
  }
  if (p.enabled === true && !projectState.project_enabled)
    return deny(400, 'Participant project disabled - no update allowed');
  await update(trx, current, p, project || undefined);
  return { id: current.id_participant, created: false };
}

async function create(trx: Kysely<Database>, p: Posted, project: number): Promise<Outcome> {
  const uuid = randomUUID();
  const tokenEnabled = p.tokenEnabled ?? false;
  const enabled = p.enabled ?? true;
  const id = await insertParticipant(trx, {
    participant_uuid: uuid,
    participant_name: p.name!,
    participant_username: p.username ?? null,
    participant_email: p.email ?? null,
    participant_password: p.passwordHash ?? null,
    participant_token_enabled: tokenEnabled,
    participant_enabled: enabled,
    participant_login_enabled: p.loginEnabled ?? false,
    id_participant_group: p.group ?? null,
    id_project: project,
  });
  if (tokenEnabled && enabled) {
    const token = await staticToken(trx, { participant_uuid: uuid, id_participant: id });
    await updateParticipant(trx, id, { participant_token: token });
  }
  return { id, created: true };
}

async function update(
  trx: Kysely<Database>,
  current: ParticipantRow,
  p: Posted,
  project: number | undefined,
): Promise<void> {
  const set: ParticipantUpdate = {};
  if (p.name !== undefined) set.participant_name = p.name;
  if (p.username !== undefined) set.participant_username = p.username;
  if (p.email !== undefined) set.participant_email = p.email;
  if (p.passwordHash !== undefined) set.participant_password = p.passwordHash;
  if (p.enabled !== undefined) set.participant_enabled = p.enabled;
  if (p.loginEnabled !== undefined) set.participant_login_enabled = p.loginEnabled;
  if (p.group !== undefined) set.id_participant_group = p.group;
  if (project !== undefined) set.id_project = project;
  if (p.tokenEnabled !== undefined && p.tokenEnabled !== current.participant_token_enabled) {
    set.participant_token_enabled = p.tokenEnabled;
    const enabled = p.enabled ?? current.participant_enabled;
    set.participant_token = p.tokenEnabled && enabled ? await staticToken(trx, current) : null;
  }
  await updateParticipant(trx, current.id_participant, set);
}

async function staticToken(
  trx: Kysely<Database>,
  p: { participant_uuid: string; id_participant: number },
): Promise<string> {
  const key = await getSetting(trx, SETTING.ParticipantTokenEncryptionKey);
  if (!key) throw new Error('the participant token key is missing');
  return signParticipantStaticToken(key, p);
}
