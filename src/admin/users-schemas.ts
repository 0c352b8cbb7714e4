/** The documented shapes of /api/user/users: its answers and its POST body. */
import Type, { type TSchema } from 'typebox';
import { ErrorBody, JsonText, UnauthorizedText, UserUnauthorized } from '../http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const SiteWithRole = Type.Object({
  id_site: Type.Integer(),
  site_name: Type.String(),
  site_2fa_required: Type.Boolean(),
  site_role: Nullable(Type.String()),
});

const ProjectWithRole = Type.Object({
  id_project: Type.Integer(),
  id_site: Type.Integer(),
  project_name: Type.String(),
  project_enabled: Type.Boolean(),
  project_description: Nullable(Type.String()),
  project_role: Nullable(Type.String()),
});

/** A user: the minimal fields always, the others unless `list`. */
export const UserItem = Type.Object(
  {
    id_user: Type.Integer(),
    user_uuid: Type.String(),
    user_firstname: Type.String(),
    user_lastname: Type.String(),
    user_enabled: Type.Boolean(),
    user_name: Type.String(),
    user_username: Type.Optional(Type.String()),
    user_email: Type.Optional(Nullable(Type.String())),
    user_profile: Type.Optional(Type.String()),
    user_notes: Type.Optional(Nullable(Type.String())),
    user_lastonline: Type.Optional(Nullable(Type.String())),
    user_superadmin: Type.Optional(Type.Boolean()),
    user_2fa_enabled: Type.Optional(Type.Boolean()),
    user_2fa_otp_enabled: Type.Optional(Type.Boolean()),
    user_2fa_email_enabled: Type.Optional(Type.Boolean()),
    user_force_password_change: Type.Optional(Type.Boolean()),
    sites: Type.Optional(
      Type.Array(SiteWithRole, { description: 'With `self`: the sites it reaches' }),
    ),
    projects: Type.Optional(
      Type.Array(ProjectWithRole, { description: 'With `self`: the projects it reaches' }),
    ),
    user_user_groups: Type.Optional(
      Type.Array(Type.Object({ id_user_group: Type.Integer(), user_group_name: Type.String() })),
    ),
    user_online: Type.Optional(Type.Boolean()),
    user_busy: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** The POST body: `{"user": {...}}`, `id_user` 0 to create. */
export const UserPostBody = Type.Object({
  user: Type.Object(
    {
      id_user: Type.Integer({ description: '0 creates a user' }),
      user_username: Type.Optional(
        Type.String({ description: 'Required to create; never changes' }),
      ),
      user_password: Type.Optional(
        Type.String({
          description:
            'Required to create; empty keeps the current one. At least 10 characters with a ' +
            'lower-case and an upper-case letter, a digit and a special character',
        }),
      ),
      user_firstname: Type.Optional(Type.String()),
      user_lastname: Type.Optional(Type.String()),
      user_email: Type.Optional(Nullable(Type.String())),
      user_enabled: Type.Optional(Type.Boolean()),
      user_profile: Type.Optional(Type.Union([Type.String(), Type.Object({})])),
      user_notes: Type.Optional(Nullable(Type.String())),
      user_superadmin: Type.Optional(Type.Boolean({ description: 'Set by superadmins only' })),
      user_user_groups: Type.Optional(
        Type.Array(Type.Object({ id_user_group: Type.Integer() }), {
          description: 'The groups of the user, among those the caller administers',
        }),
      ),
    },
    { additionalProperties: true },
  ),
});

export const UsersGetResponses = {
  200: Type.Array(UserItem),
  400: Type.Object({
    message: Type.String(),
    errors: Type.Optional(Type.Record(Type.String(), Type.String())),
  }),
  401: UserUnauthorized,
  429: ErrorBody,
};

/** 400: OpenTera's texts, argument errors, or an unreadable JSON body. */
const BadRequest = Type.Union([
  JsonText,
  Type.Object({ message: Type.String() }, { additionalProperties: true }),
]);

export const UsersPostResponses = {
  200: Type.Array(UserItem),
  400: BadRequest,
  401: UserUnauthorized,
  403: Type.Union([JsonText, UnauthorizedText]),
  409: JsonText,
  429: ErrorBody,
  500: Type.Union([JsonText, ErrorBody]),
};

export const UsersDeleteResponses = {
  200: JsonText,
  400: BadRequest,
  401: UserUnauthorized,
  403: Type.Union([JsonText, UnauthorizedText]),
  429: ErrorBody,
  500: Type.Union([JsonText, ErrorBody]),
};
