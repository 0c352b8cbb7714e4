/**
 * TypeBox schemas of the REST answers, as documented in the served OpenAPI document, and the
 * query string schema derived from a route's declared arguments. OpenTera's routes use them
 * for documentation only (their arguments are parsed by query.ts into OpenTera's error
 * bodies); the tests check live answers against the documented versions.
 */
import Type, { type TSchema } from 'typebox';
import { argType, type ArgSpec } from './query.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** 401 from the auth layer: the text `Unauthorized`. */
export const UnauthorizedText = Type.String({ description: 'The text `Unauthorized`' });
/** A resource's own error or status text, JSON-encoded (e.g. `"User already logged in."`). */
export const JsonText = Type.String({ description: 'A JSON-encoded string' });
/** 401 from the user auth layer: `Unauthorized`, or `{message}` for Basic auth by a user who must log in first. */
export const UserUnauthorized = Type.Union([
  Type.String({ description: 'The text `Unauthorized`' }),
  Type.Object({ message: Type.String() }),
]);
/** flask-restx argument errors. */
export const ArgsErrorBody = Type.Object({
  message: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.String())),
});
/** TeraRelay's own errors (those OpenTera lacks): `{code, message}`. */
export const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

export const ClientVersion = Type.Object({
  client_name: Type.String(),
  client_description: Nullable(Type.String()),
  client_version: Type.String(),
  client_documentation_url: Nullable(Type.String()),
  client_windows_download_url: Nullable(Type.String()),
  client_mac_download_url: Nullable(Type.String()),
  client_linux_download_url: Nullable(Type.String()),
});

const versionFields = {
  version_latest: Type.Optional(ClientVersion),
  version_error: Type.Optional(Type.String()),
};

export const UserLoginSuccess = Type.Object(
  {
    websocket_url: Type.Optional(Type.String()),
    user_uuid: Type.String(),
    user_fullname: Type.String(),
    user_token: Type.String(),
    ...versionFields,
  },
  { additionalProperties: false },
);

/** Password change or 2FA required: no token, a page to go to. */
export const UserLoginRedirect = Type.Object(
  {
    message: Type.String(),
    reason: Type.Union([
      Type.Literal('password_change'),
      Type.Literal('2fa'),
      Type.Literal('2fa_setup'),
    ]),
    redirect_url: Type.String(),
    ...versionFields,
  },
  { additionalProperties: false },
);

export const OutdatedClient = Type.Object({
  version_latest: ClientVersion,
  current_version: Type.Array(Type.String()),
  version_error: Type.String(),
  message: Type.String(),
});

export const RefreshAnswer = Type.Object(
  { refresh_token: Type.String(), websocket_url: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

export const SessionTypeInfo = Type.Object({
  id_session_type: Type.Integer(),
  id_service: Nullable(Type.Integer()),
  session_type_name: Type.String(),
  session_type_color: Type.String(),
  session_type_category: Type.Integer(),
});

export const ParticipantLoginAnswer = Type.Object(
  {
    participant_name: Type.String(),
    participant_uuid: Type.String(),
    websocket_url: Type.Optional(Type.String()),
    session_types_info: Type.Array(SessionTypeInfo),
    base_token: Nullable(Type.String()),
    participant_token: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const deviceMinimal = {
  id_device: Type.Integer(),
  device_uuid: Type.String(),
  device_name: Type.String(),
  id_device_type: Type.Integer(),
  id_device_subtype: Nullable(Type.Integer()),
  device_enabled: Type.Boolean(),
};
const deviceFull = {
  ...deviceMinimal,
  device_onlineable: Type.Boolean(),
  device_config: Nullable(Type.String()),
  device_infos: Nullable(Type.String()),
  device_notes: Nullable(Type.String()),
  device_lastonline: Nullable(Type.String()),
};

export const DeviceLoginAnswer = Type.Object(
  {
    device_info: Type.Object({
      ...deviceFull,
      device_token: Type.String(),
      device_type: Type.Optional(Type.String()),
      device_subtype: Type.Optional(Type.String()),
    }),
    participants_info: Type.Array(
      Type.Object({ participant_name: Type.String(), participant_uuid: Type.String() }),
    ),
    session_types_info: Type.Array(SessionTypeInfo),
    websocket_url: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DeviceStatusBody = Type.Object({
  status: Type.Union([
    Type.Object({}, { additionalProperties: true }),
    Type.String({ description: 'JSON text' }),
  ]),
  timestamp: Type.Number(),
});
export const DeviceStatusAnswer = Type.Object({
  uuid: Type.String(),
  status: Type.String({ description: 'The status object as JSON text' }),
  timestamp: Type.Number(),
});

export const OnlineUser = Type.Object(
  {
    id_user: Type.Integer(),
    user_uuid: Type.String(),
    user_name: Type.String(),
    user_firstname: Type.String(),
    user_lastname: Type.String(),
    user_enabled: Type.Boolean(),
    user_online: Type.Boolean(),
    user_busy: Type.Boolean(),
  },
  { additionalProperties: false },
);

const participantMinimal = {
  id_participant: Type.Integer(),
  participant_uuid: Type.String(),
  participant_name: Type.String(),
  participant_email: Nullable(Type.String()),
  participant_enabled: Type.Boolean(),
  participant_token_enabled: Type.Boolean(),
  id_participant_group: Nullable(Type.Integer()),
  id_project: Type.Integer(),
};

export const OnlineParticipant = Type.Object(
  {
    ...participantMinimal,
    project_name: Type.Optional(Type.String()),
    id_site: Type.Optional(Type.Integer()),
    site_name: Type.Optional(Type.String()),
    participant_online: Type.Boolean(),
    participant_busy: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const DeviceStatusEntry = Type.Object({
  online: Type.Boolean(),
  busy: Type.Boolean(),
  status: Nullable(Type.Object({ status: Type.String(), timestamp: Type.Number() })),
});

export const OnlineDevice = Type.Object(
  {
    ...deviceMinimal,
    device_online: Type.Boolean(),
    device_busy: Type.Boolean(),
    device_status: DeviceStatusEntry,
  },
  { additionalProperties: false },
);

/** GET /api/user/devices: full fields unless `list`; `device_token` only for callers allowed to see it. */
export const DeviceListItem = Type.Object(
  {
    ...deviceMinimal,
    device_onlineable: Type.Optional(Type.Boolean()),
    device_config: Type.Optional(Nullable(Type.String())),
    device_infos: Type.Optional(Nullable(Type.String())),
    device_notes: Type.Optional(Nullable(Type.String())),
    device_lastonline: Type.Optional(Nullable(Type.String())),
    device_token: Type.Optional(Nullable(Type.String())),
    device_subtype: Type.Optional(
      Type.Object({
        id_device_subtype: Type.Integer(),
        id_device_type: Type.Integer(),
        device_subtype_name: Type.String(),
      }),
    ),
    device_online: Type.Optional(Type.Boolean()),
    device_busy: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** GET /api/user/participants: full fields unless `list`; `participant_token` only for callers allowed to see it. */
export const ParticipantListItem = Type.Object(
  {
    ...participantMinimal,
    participant_username: Type.Optional(Nullable(Type.String())),
    participant_lastonline: Type.Optional(Nullable(Type.String())),
    participant_login_enabled: Type.Optional(Type.Boolean()),
    participant_token: Type.Optional(Nullable(Type.String())),
    id_site: Type.Optional(Type.Integer()),
    participant_online: Type.Boolean(),
    participant_busy: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** The answers of a user's list of `item`; `badRequest` is its 400 answer when it has one. */
export function listResponses(item: TSchema, badRequest?: TSchema): Record<number, TSchema> {
  const answers: Record<number, TSchema> = {
    200: Type.Array(item),
    401: UserUnauthorized,
    429: ErrorBody,
  };
  if (badRequest) answers[400] = badRequest;
  return answers;
}

const ARG_SCHEMAS = { boolean: Type.Boolean, int: Type.Integer, string: Type.String } as const;

/** The query string schema of declared arguments (all optional, as OpenTera's are). */
export function querySchema(spec: ArgSpec): TSchema {
  const props: Record<string, TSchema> = {};
  for (const [name, entry] of Object.entries(spec)) {
    const options = typeof entry === 'string' ? {} : { description: entry.description };
    props[name] = Type.Optional(ARG_SCHEMAS[argType(entry)](options));
  }
  return Type.Object(props);
}

export type Security = Array<Record<string, string[]>>;
export const BASIC_OR_TOKEN: Security = [{ basic: [] }, { openTera: [] }];
export const BASIC_ONLY: Security = [{ basic: [] }];
export const TOKEN_ONLY: Security = [{ openTera: [] }];
