/** The documented shapes of /api/user/services, /services/projects and /services/sites. */
import Type, { type TSchema } from 'typebox';
import { ArgsErrorBody, ErrorBody, JsonText, UserUnauthorized } from '../http/schemas.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const Role = Type.Object({
  id_service_role: Type.Integer(),
  id_service: Type.Optional(Type.Integer()),
  id_project: Nullable(Type.Integer()),
  id_site: Nullable(Type.Integer()),
  service_role_name: Type.String(),
});

/** A service: `service_default_config`, `service_roles` and `service_projects` unless `list`. */
export const ServiceItem = Type.Object(
  {
    id_service: Type.Integer(),
    service_uuid: Type.String(),
    service_name: Type.String(),
    service_key: Type.String(),
    service_hostname: Type.String(),
    service_port: Type.Integer(),
    service_endpoint: Type.String(),
    service_clientendpoint: Type.String(),
    service_endpoint_user: Type.Optional(Type.String()),
    service_endpoint_participant: Type.Optional(Type.String()),
    service_endpoint_device: Type.Optional(Type.String()),
    service_enabled: Type.Boolean(),
    service_system: Type.Boolean(),
    service_editable_config: Type.Boolean(),
    service_has_assets: Type.Boolean(),
    service_has_tests: Type.Boolean(),
    service_default_config: Type.Optional(Nullable(Type.String())),
    service_roles: Type.Optional(Type.Array(Role)),
    service_projects: Type.Optional(
      Type.Array(
        Type.Object({
          id_service_project: Type.Integer(),
          id_service: Type.Integer(),
          id_project: Type.Integer(),
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

const linkNames = {
  service_name: Type.Optional(Nullable(Type.String())),
  service_key: Type.Optional(Nullable(Type.String())),
  service_system: Type.Optional(Nullable(Type.Boolean())),
  service_roles: Type.Optional(Type.Array(Role)),
};

/** A service-project link; ids are null on the unlinked entries `with_services`/`with_projects` add. */
export const ServiceProjectItem = Type.Object(
  {
    id_service_project: Nullable(Type.Integer()),
    id_service: Nullable(Type.Integer()),
    id_project: Nullable(Type.Integer()),
    ...linkNames,
    project_name: Type.Optional(Nullable(Type.String())),
    id_site: Type.Optional(Type.Integer()),
    site_name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** A service-site link; ids are null on the unlinked entries `with_services`/`with_sites` add. */
export const ServiceSiteItem = Type.Object(
  {
    id_service_site: Nullable(Type.Integer()),
    id_service: Nullable(Type.Integer()),
    id_site: Nullable(Type.Integer()),
    ...linkNames,
    site_name: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);

export const listAnswers = (item: TSchema) => ({
  200: Type.Array(item),
  400: Type.Union([JsonText, ArgsErrorBody]),
  401: UserUnauthorized,
  429: ErrorBody,
});
