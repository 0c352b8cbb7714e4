/**
 * The choices of the session editor's form, as OpenTera computes them for the caller. With a
 * session the caller may access (`id`), or else a project it reaches (`id_project`), the lists
 * are that project's: its session types (a service's only when the caller reaches the
 * service), its users (site admins included), devices, participants and services; otherwise
 * everything the caller reaches. Users always include the caller (and, for a superadmin, every
 * superadmin); a session's own type is always offered.
 */
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { Database } from '../store/schema.js';
import {
  formDevices,
  formParticipants,
  formSessionTypes,
  formUsers,
  projectSessionTypes,
  projectUserIds,
  sessionTypeById,
} from '../store/queries/admin-forms.js';
import { queryServices, serviceProjectLinks } from '../store/queries/admin-services.js';
import { sessionById, sessionProjectId } from '../store/queries/admin-sessions.js';
import { canAccessSession } from './sessions-access.js';
import { accessibleServiceIds, byKey } from './services-access.js';
import { choices } from './forms/form.js';
import type { SessionChoices } from './forms/session.js';

type K = Kysely<Database>;

const SERVICE_CATEGORY = 1;

export async function sessionChoices(
  k: K,
  access: UserAccess,
  q: { id?: number; id_project?: number },
): Promise<SessionChoices> {
  const found = q.id ? await sessionById(k, q.id) : undefined;
  const session = found && (await canAccessSession(k, access, found)) ? found : undefined;
  let projectId: number | null = null;
  if (session) projectId = await sessionProjectId(k, session);
  else if (q.id_project && access.projectIds.has(q.id_project)) projectId = q.id_project;
  const services = await accessibleServiceIds(k, access);

  const sessionTypes =
    projectId === null
      ? await formSessionTypes(k, access.superadmin ? undefined : [...access.siteIds])
      : (await projectSessionTypes(k, projectId)).filter(
          (st) =>
            st.session_type_category !== SERVICE_CATEGORY ||
            (st.id_service !== null && services.has(st.id_service)),
        );
  if (session && !sessionTypes.some((st) => st.id_session_type === session.id_session_type)) {
    const own = await sessionTypeById(k, session.id_session_type);
    if (own) sessionTypes.push({ ...own });
  }

  const users =
    projectId === null
      ? await formUsers(k, access.superadmin ? {} : { uuids: [...access.userUuids] })
      : await formUsers(k, { ids: await projectUserIds(k, projectId) });
  const extra = await formUsers(k, { ids: [access.userId] });
  if (access.superadmin)
    extra.unshift(...(await formUsers(k, {})).filter((u) => u.user_superadmin));
  for (const u of extra) if (!users.some((x) => x.id_user === u.id_user)) users.push(u);

  const devices =
    projectId === null
      ? await formDevices(k, access.superadmin ? {} : { uuids: [...access.deviceUuids] })
      : await formDevices(k, { projectId });

  const participants =
    projectId === null
      ? await formParticipants(k, [...access.projectIds])
      : byKey(
          (await formParticipants(k, [projectId])).filter((p) =>
            access.participantUuids.has(p.participant_uuid),
          ),
          (p) => p.participant_name,
        );

  const serviceRows: ReadonlyArray<{ id_service: number; service_name: string }> =
    projectId === null
      ? await queryServices(k, { ids: [...services] })
      : byKey(
          (await serviceProjectLinks(k, { id_project: projectId })).filter((l) =>
            services.has(l.id_service),
          ),
          (l) => l.service_name,
        );

  return {
    sessionTypes: choices(
      sessionTypes,
      (s) => s.id_session_type,
      (s) => s.session_type_name,
    ),
    users: choices(
      users,
      (u) => u.id_user,
      (u) => `${u.user_firstname} ${u.user_lastname}`,
    ),
    devices: choices(
      devices,
      (d) => d.id_device,
      (d) => d.device_name,
    ),
    participants: choices(
      participants,
      (p) => p.id_participant,
      (p) => p.participant_name,
    ),
    services: choices(
      serviceRows,
      (s) => s.id_service,
      (s) => s.service_name,
    ),
  };
}
