/**
 * The documented shapes of the site, project, user group, user-group membership and access
 * routes: their answers and POST bodies.
 */
import Type, { type TSchema } from 'typebox';
import {
  ArgsErrorBody,
  ErrorBody,
  JsonText,
  UnauthorizedText,
  UserUnauthorized,
} from '../http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.Integer();
const Strict = { additionalProperties: false } as const;

const siteFields = {
  id_site: Id,
  site_name: Type.String(),
  site_2fa_required: Type.Boolean(),
};

const projectFields = {
  id_project: Id,
  project_name: Type.String(),
  project_enabled: Type.Boolean(),
  project_description: Nullable(Type.String()),
};

/** GET/POST /api/user/sites: a site, with the role of the user it was asked for. */
export const SiteItem = Type.Object(
  {
    ...siteFields,
    site_role: Type.Optional(Nullable(Type.String())),
    id_device: Type.Optional(Id),
  },
  Strict,
);

/** GET/POST /api/user/projects: a project (minimal with `list`, then with counts). */
export const ProjectItem = Type.Object(
  {
    ...projectFields,
    id_site: Id,
    site_name: Type.Optional(Type.String()),
    project_role: Type.Optional(Nullable(Type.String())),
    project_participant_group_count: Type.Optional(Type.Integer()),
    project_participant_count: Type.Optional(Type.Integer()),
  },
  Strict,
);

/** A site and a group's (or user's) role on it; `site_access_inherited` only when inherited. */
const SiteRoleItem = Type.Object(
  {
    ...siteFields,
    site_access_role: Nullable(Type.String()),
    site_access_inherited: Type.Optional(Type.Boolean()),
  },
  Strict,
);

/** A project and a group's (or user's) role on it; its site only `with_sites`. */
const ProjectRoleItem = Type.Object(
  {
    ...projectFields,
    id_site: Type.Optional(Id),
    site_name: Type.Optional(Type.String()),
    project_access_role: Nullable(Type.String()),
    project_access_inherited: Type.Optional(Type.Boolean()),
  },
  Strict,
);

/** GET/POST /api/user/usergroups: a group, with its access unless `list`. */
export const UserGroupItem = Type.Object(
  {
    id_user_group: Id,
    user_group_name: Type.String(),
    user_group_sites_access: Type.Optional(Type.Array(SiteRoleItem)),
    user_group_projects_access: Type.Optional(Type.Array(ProjectRoleItem)),
  },
  Strict,
);

/** GET /api/user/users/usergroups: a membership, or (`with_empty`) a missing one. */
export const UserUserGroupItem = Type.Object(
  {
    id_user_user_group: Nullable(Id),
    id_user: Nullable(Id),
    id_user_group: Nullable(Id),
    user_fullname: Type.Optional(Nullable(Type.String())),
    user_group_name: Type.Optional(Nullable(Type.String())),
  },
  Strict,
);

const groupRoleFields = { id_user_group: Id, user_group_name: Type.String() };
const byUserFields = { id_user: Id, user_name: Type.String() };

/** GET /api/user/siteaccess: by site (sites), by group (groups) or by user (`by_users`). */
export const SiteAccessItem = Type.Union([
  SiteRoleItem,
  Type.Object(
    {
      ...groupRoleFields,
      site_access_role: Nullable(Type.String()),
      site_access_inherited: Type.Optional(Type.Boolean()),
    },
    Strict,
  ),
  Type.Object(
    {
      ...byUserFields,
      id_site: Id,
      user_enabled: Type.Boolean(),
      site_access_role: Nullable(Type.String()),
      site_access_inherited: Nullable(Type.Boolean()),
      user_groups: Type.Optional(Type.Array(Type.Object(groupRoleFields, Strict))),
    },
    Strict,
  ),
]);

/** GET /api/user/projectaccess: by project (projects), by group (groups) or by user (`by_users`). */
export const ProjectAccessItem = Type.Union([
  ProjectRoleItem,
  Type.Object(
    {
      ...groupRoleFields,
      id_site: Type.Optional(Id),
      site_name: Type.Optional(Type.String()),
      project_access_role: Nullable(Type.String()),
      project_access_inherited: Type.Optional(Type.Boolean()),
    },
    Strict,
  ),
  Type.Object(
    {
      ...byUserFields,
      id_project: Id,
      id_site: Type.Optional(Id),
      site_name: Type.Optional(Type.String()),
      project_access_role: Nullable(Type.String()),
      project_access_inherited: Nullable(Type.Boolean()),
    },
    Strict,
  ),
]);

/** A grant of an OpenTera site or project role to a user group (OpenTera's service access). */
const grantFields = {
  id_service_access: Id,
  id_user_group: Id,
  user_group_name: Type.String(),
  id_service_role: Id,
  id_service: Id,
  service_role_name: Type.String(),
  service_name: Type.String(),
};

export const SiteGrantItem = Type.Object(
  {
    ...grantFields,
    id_site: Id,
    site_name: Type.String(),
    id_site_access: Id,
    site_access_role: Type.String(),
  },
  Strict,
);

export const ProjectGrantItem = Type.Object(
  {
    ...grantFields,
    id_project: Id,
    project_name: Type.String(),
    id_project_access: Id,
    project_access_role: Type.String(),
  },
  Strict,
);

/** POST /api/user/users/usergroups answers the posted memberships with their ids. */
export const MembershipPosted = Type.Object(
  { id_user_user_group: Id, id_user: Type.Unknown(), id_user_group: Type.Unknown() },
  { additionalProperties: true },
);

/** 400: OpenTera's texts, argument errors, or an unreadable JSON body. */
const BadRequest = Type.Union([JsonText, ArgsErrorBody, ErrorBody]);
const Forbidden = Type.Union([JsonText, UnauthorizedText]);

export const getResponses = (item: TSchema): Record<number, TSchema> => ({
  200: Type.Array(item),
  400: BadRequest,
  401: UserUnauthorized,
  429: ErrorBody,
  500: JsonText,
});

export const postResponses = (item: TSchema): Record<number, TSchema> => ({
  200: Type.Array(item),
  400: BadRequest,
  401: UserUnauthorized,
  403: Forbidden,
  429: ErrorBody,
  500: Type.Union([JsonText, ErrorBody]),
});

export const deleteResponses: Record<number, TSchema> = {
  200: JsonText,
  400: BadRequest,
  401: UserUnauthorized,
  403: Forbidden,
  429: ErrorBody,
  500: Type.Union([JsonText, ErrorBody]),
};

const open = { additionalProperties: true } as const;

/** `{"<key>": {...}}` with the documented fields (others are ignored). */
const wrapped = (key: string, fields: Record<string, TSchema>, description: string) =>
  Type.Object({ [key]: Type.Object(fields, { ...open, description }) });
const wrappedList = (key: string, fields: Record<string, TSchema>, description: string) => {
  const item = Type.Object(fields, open);
  return Type.Object({ [key]: Type.Union([item, Type.Array(item)], { description }) });
};

export const SitePostBody = wrapped(
  'site',
  {
    id_site: Type.Integer({ description: '0 creates a site (superadmins only)' }),
    site_name: Type.Optional(Type.String()),
    site_2fa_required: Type.Optional(Type.Boolean()),
  },
  'The site to create or update',
);

export const ProjectPostBody = wrapped(
  'project',
  {
    id_project: Type.Integer({ description: '0 creates a project (admins of its site)' }),
    id_site: Type.Optional(Type.Integer({ description: 'Required to create' })),
    project_name: Type.Optional(Type.String()),
    project_enabled: Type.Optional(Type.Boolean()),
    project_description: Type.Optional(Nullable(Type.String())),
    sessiontypes: Type.Optional(
      Type.Array(Type.Object({ id_session_type: Type.Integer() }), {
        description: "The project's session types (replaces them)",
      }),
    ),
  },
  'The project to create or update',
);

const accessRole = (scope: string) => ({
  id_site: Type.Optional(Type.Integer()),
  id_project: Type.Optional(Type.Integer()),
  [`${scope}_access_role`]: Type.Optional(
    Type.String({ description: '`admin`, `user`, or empty to remove the access' }),
  ),
});

export const UserGroupPostBody = wrapped(
  'user_group',
  {
    id_user_group: Type.Integer({ description: '0 creates a group' }),
    user_group_name: Type.Optional(Type.String({ description: 'Required to create' })),
    user_group_sites_access: Type.Optional(Type.Array(Type.Object(accessRole('site')))),
    user_group_projects_access: Type.Optional(Type.Array(Type.Object(accessRole('project')))),
  },
  'The user group to create or update',
);

export const UserUserGroupPostBody = wrappedList(
  'user_user_group',
  { id_user: Type.Integer(), id_user_group: Type.Integer() },
  'The memberships to create (existing ones are kept)',
);

const grantBody = (scope: 'site' | 'project') =>
  wrappedList(
    `${scope}_access`,
    {
      id_user_group: Type.Integer(),
      [`id_${scope}`]: Type.Integer(),
      [`${scope}_access_role`]: Type.Optional(
        Type.String({ description: '`admin`, `user`, or empty to remove the access' }),
      ),
      id_service_role: Type.Optional(
        Type.Integer({ description: `An OpenTera role of that ${scope}; 0 removes the access` }),
      ),
    },
    `The ${scope} accesses to grant, change or remove`,
  );

export const SiteAccessPostBody = grantBody('site');
export const ProjectAccessPostBody = grantBody('project');
