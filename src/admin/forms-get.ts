/**
 * GET /api/user/forms?type=: the description of an editor's form, as OpenTeraPlus fetches it
 * before opening an editor (forms/*.ts). Choice lists hold only what the caller reaches: the
 * sites of a project, the projects of a participant group (those of the site of `id_site`, or
 * of the group `id`), the groups of a participant (those of the project `id_project`, or of
 * the participant `id`), the services of a session type, and the session form's lists
 * (forms-session.ts). Types: user, site, project, group, participant, device, device_type,
 * device_subtype, session_type, session, user_group, service.
 */
import Type from 'typebox';
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import { userGet, type ApiContext } from '../http/context.js';
import { int, str } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { ArgsErrorBody, ErrorBody, JsonText, UserUnauthorized } from '../http/schemas.js';
import type { Database } from '../store/schema.js';
import {
  deviceTypes,
  formGroups,
  formProjects,
  formSites,
  groupProject,
  participantProject,
} from '../store/queries/admin-forms.js';
import { queryServices } from '../store/queries/admin-services.js';
import { sessionChoices } from './forms-session.js';
import { accessibleServiceIds } from './services-access.js';
import { deviceForm } from './forms/device.js';
import { deviceSubtypeForm } from './forms/device-subtype.js';
import { deviceTypeForm } from './forms/device-type.js';
import type { FormJson } from './forms/form.js';
import { participantGroupForm } from './forms/group.js';
import { participantForm } from './forms/participant.js';
import { projectForm } from './forms/project.js';
import { serviceForm } from './forms/service.js';
import { sessionForm } from './forms/session.js';
import { sessionTypeForm } from './forms/session-type.js';
import { siteForm } from './forms/site.js';
import { userForm } from './forms/user.js';
import { userGroupForm } from './forms/user-group.js';

type K = Kysely<Database>;

const FORM_ARGS = {
  type: str(
    'The form: user, site, project, group, participant, device, device_type, device_subtype, session_type, session, user_group or service',
  ),
  id: int('The edited object, narrowing the choices of the group, participant and session forms'),
  id_project: int('A project narrowing the choices of the participant and session forms'),
  id_site: int('A site narrowing the choices of the group form'),
  key: str('Unused by the supported forms'),
};

type Query = { type?: string; id?: number; id_project?: number; id_site?: number };

const FormItem = Type.Object(
  { id: Type.String(), label: Type.String(), type: Type.String(), _order: Type.Integer() },
  { additionalProperties: true },
);
const Form = Type.Object({
  objecttype: Type.String(),
  sections: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.String(),
      _order: Type.Integer(),
      items: Type.Array(FormItem),
    }),
  ),
});

const BUILDERS: Record<string, (k: K, access: UserAccess, q: Query) => Promise<FormJson>> = {
  user: async () => userForm(),
  site: async () => siteForm(),
  device: async (k) => deviceForm(await deviceTypes(k)),
  device_type: async () => deviceTypeForm(),
  device_subtype: async (k) => deviceSubtypeForm(await deviceTypes(k)),
  user_group: async () => userGroupForm(),
  service: async () => serviceForm(),
  project: async (k, access) =>
    projectForm(await formSites(k, access.superadmin ? undefined : [...access.siteIds])),
  group: async (k, access, q) => participantGroupForm(await groupProjects(k, access, q)),
  participant: async (k, access, q) => participantForm(await participantGroups(k, access, q)),
  session_type: async (k, access) =>
    sessionTypeForm(await queryServices(k, { ids: [...(await accessibleServiceIds(k, access))] })),
  session: async (k, access, q) => sessionForm(await sessionChoices(k, access, q)),
};

export function formsGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/forms',
    summary: "An editor's form description",
    args: FORM_ARGS,
    response: {
      200: Form,
      400: Type.Union([JsonText, ArgsErrorBody]),
      401: UserUnauthorized,
      429: ErrorBody,
    },
    handle: async ({ reply, caller, args: q }) => {
      if (!Object.values(q).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      if (!q.type) return sendText(reply, 400, 'Missing type');
      const build = Object.hasOwn(BUILDERS, q.type) ? BUILDERS[q.type] : undefined;
      if (!build) return sendText(reply, 400, `Unknown form type: ${q.type}`);
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendText(reply, 400, `Unknown form type: ${q.type}`);
      return sendJson(reply, 200, await build(ctx.deps.db.kysely, access, q));
    },
  });
}

/** The projects offered to a participant group: of `id_site`, of the group `id`'s site, or all reached. */
async function groupProjects(k: K, access: UserAccess, q: Query) {
  const reached = [...access.projectIds];
  if (q.id_site) return formProjects(k, reached, q.id_site);
  const group = q.id ? await groupProject(k, q.id) : undefined;
  if (!group || !access.projectIds.has(group.id_project)) return formProjects(k, reached);
  return formProjects(k, reached, group.id_site);
}

/** The groups offered to a participant: of `id_project`, of the participant `id`'s project, or all reached. */
async function participantGroups(k: K, access: UserAccess, q: Query) {
  if (q.id_project && access.projectIds.has(q.id_project)) return formGroups(k, [q.id_project]);
  const participant = q.id ? await participantProject(k, q.id) : undefined;
  if (!participant || !access.participantUuids.has(participant.participant_uuid))
    return formGroups(k, [...access.projectIds]);
  return formGroups(k, [participant.id_project]);
}
