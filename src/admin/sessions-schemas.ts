/** The documented request and answer bodies of `/api/user/sessions`. */
import Type, { type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const Int = Type.Integer();

/** A session, full or minimal (`list`); `with_session_type` adds the type's name and color. */
export const SessionJson = Type.Object(
  {
    id_session: Int,
    session_uuid: Type.String(),
    id_session_type: Int,
    id_creator_user: Nullable(Int),
    id_creator_device: Nullable(Int),
    id_creator_participant: Nullable(Int),
    id_creator_service: Nullable(Int),
    session_name: Type.String(),
    session_start_datetime: Type.String({ description: 'ISO 8601' }),
    session_duration: Int,
    session_status: Type.Integer({
      description: '0 not started, 1 in progress, 2 completed, 3 cancelled, 4 terminated',
    }),
    session_comments: Type.Optional(Nullable(Type.String())),
    session_parameters: Type.Optional(
      Type.Unknown({ description: 'The stored text, decoded when it is JSON' }),
    ),
    session_participants: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id_participant: Int,
            participant_uuid: Type.String(),
            participant_name: Type.String(),
            id_project: Int,
            project_name: Nullable(Type.String()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    session_users: Type.Optional(
      Type.Array(
        Type.Object(
          { id_user: Int, user_uuid: Type.String(), user_name: Type.String() },
          { additionalProperties: false },
        ),
      ),
    ),
    session_devices: Type.Optional(
      Type.Array(
        Type.Object(
          { id_device: Int, device_uuid: Type.String(), device_name: Type.String() },
          { additionalProperties: false },
        ),
      ),
    ),
    session_creator_user: Type.Optional(Type.String()),
    session_creator_user_uuid: Type.Optional(Type.String()),
    session_creator_device: Type.Optional(Type.String()),
    session_creator_device_uuid: Type.Optional(Type.String()),
    session_creator_participant: Type.Optional(Type.String()),
    session_creator_participant_uuid: Type.Optional(Type.String()),
    session_creator_service: Type.Optional(Type.String()),
    session_creator_service_uuid: Type.Optional(Type.String()),
    session_assets_count: Int,
    session_tests_count: Int,
    session_type_name: Type.Optional(Type.String()),
    session_type_color: Type.Optional(Type.String()),
    deleted_at: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** POST body: `{"session": {...}}`; `id_session` 0 creates. */
export const SessionPostBody = Type.Object({
  session: Type.Object(
    {
      id_session: Type.Integer({ description: '0 to create' }),
      id_session_type: Type.Optional(Int),
      id_creator_user: Type.Optional(Nullable(Int)),
      id_creator_device: Type.Optional(Nullable(Int)),
      id_creator_participant: Type.Optional(Nullable(Int)),
      id_creator_service: Type.Optional(Nullable(Int)),
      session_name: Type.Optional(Type.String()),
      session_start_datetime: Type.Optional(
        Type.String({ description: 'ISO 8601; without an offset, UTC' }),
      ),
      session_duration: Type.Optional(Int),
      session_status: Type.Optional(Int),
      session_comments: Type.Optional(Nullable(Type.String())),
      session_parameters: Type.Optional(
        Nullable(Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })])),
      ),
      session_participants_ids: Type.Optional(
        Type.Array(Int, { description: 'Replaces the participants when not empty' }),
      ),
      session_users_ids: Type.Optional(
        Type.Array(Int, { description: 'Replaces the users when not empty' }),
      ),
      session_devices_ids: Type.Optional(
        Type.Array(Int, { description: 'Replaces the devices when not empty' }),
      ),
    },
    { additionalProperties: true },
  ),
});
