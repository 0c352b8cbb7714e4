/**
 * Session types and their project links as OpenTera's `to_json` writes them, their documented
 * schemas, and the session types a caller may see or administer
 * (`DBManagerTeraUserAccess.get_accessible_session_types`: a superadmin every one, others those
 * linked to their sites, or to the sites they administer).
 */
import type { Kysely } from 'kysely';
import Type, { type TSchema } from 'typebox';
import type { UserAccess } from '../access/access.js';
import type { Database } from '../store/schema.js';
import {
  allServiceIds,
  allSessionTypes,
  sessionTypeIdsAtSites,
  typeProjectsOfProject,
  type SessionTypeRow,
  type TypeProjectRow,
} from '../store/queries/admin-session-types.js';
import { reachableServiceIds } from '../store/queries/admin-services.js';

type K = Kysely<Database>;

/** `SERVICE` in OpenTera's SessionCategoryEnum (1 SERVICE, 2 DATACOLLECT, 3 FILETRANSFER, 4 PROTOCOL). */
export const SERVICE_CATEGORY = 1;

/** A session type's JSON: minimal (`list`, events) drops online and config. */
export function sessionTypeJson(row: SessionTypeRow, minimal: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id_service: row.id_service,
    id_session_type: row.id_session_type,
    session_type_category: row.session_type_category,
    session_type_color: row.session_type_color,
    session_type_name: row.session_type_name,
  };
  if (minimal) return out;
  out.session_type_config = row.session_type_config;
  out.session_type_online = row.session_type_online;
  if (row.service_uuid !== null) {
    out.session_type_service_key = row.service_key;
    out.session_type_service_uuid = row.service_uuid;
  }
  return out;
}

/** Ids of the session types the caller may see (or administer: `adminOnly`). */
export async function accessibleTypeIds(
  k: K,
  access: UserAccess,
  adminOnly = false,
): Promise<Set<number>> {
  if (access.superadmin) return new Set((await allSessionTypes(k)).map((t) => t.id_session_type));
  return sessionTypeIdsAtSites(k, [...(adminOnly ? access.admin.siteIds : access.siteIds)]);
}

/**
 * Ids of the services the caller may use (`get_accessible_services`): every one for a
 * superadmin; for others, the services enabled in a project it may access or on a site it
 * administers.
 */
export async function accessibleServiceIds(k: K, access: UserAccess): Promise<Set<number>> {
  if (access.superadmin) return allServiceIds(k);
  return new Set(await reachableServiceIds(k, [...access.projectIds], [...access.admin.siteIds]));
}

/**
 * The session types linked to a project that the caller may see, by name
 * (`query_session_types_for_project`): visible types, and service types only with a service
 * the caller may use.
 */
export async function typesOfProject(
  k: K,
  access: UserAccess,
  projectId: number,
): Promise<TypeProjectRow[]> {
  const [links, visible, services] = await Promise.all([
    typeProjectsOfProject(k, projectId),
    accessibleTypeIds(k, access),
    accessibleServiceIds(k, access),
  ]);
  return links
    .filter(
      (l) =>
        visible.has(l.id_session_type) &&
        (l.session_type_category !== SERVICE_CATEGORY ||
          (l.id_service !== null && services.has(l.id_service))),
    )
    .sort((a, b) => byName(a.session_type_name, b.session_type_name));
}

/** Python's sort of names: by code point. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const SessionTypeJson = Type.Object(
  {
    id_session_type: Type.Integer(),
    id_service: Nullable(Type.Integer()),
    session_type_name: Type.String(),
    session_type_color: Type.String(),
    session_type_category: Type.Integer({
      description: '1 service, 2 data collect, 3 file transfer, 4 protocol',
    }),
    session_type_online: Type.Optional(Type.Boolean()),
    session_type_config: Type.Optional(Nullable(Type.String())),
    session_type_service_key: Type.Optional(Type.String()),
    session_type_service_uuid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const IdSite = Type.Object({ id_site: Type.Integer() });
const IdProject = Type.Object({ id_project: Type.Integer() });

export const SessionTypePostBody = Type.Object({
  session_type: Type.Object(
    {
      id_session_type: Type.Integer({ description: '0 to create' }),
      id_service: Type.Optional(Nullable(Type.Integer())),
      session_type_name: Type.Optional(Type.String()),
      session_type_online: Type.Optional(Type.Boolean()),
      session_type_config: Type.Optional(Nullable(Type.String())),
      session_type_color: Type.Optional(Type.String({ maxLength: 7 })),
      session_type_category: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
      session_type_sites: Type.Optional(
        Type.Union([Type.Array(IdSite), IdSite], {
          description:
            'Sites to link (required to create, except for a superadmin); on update, the ' +
            "caller's administered sites missing from the list are unlinked",
        }),
      ),
      session_type_projects: Type.Optional(
        Type.Array(IdProject, {
          description:
            "Projects to link; on update, the caller's administered projects missing from the " +
            'list are unlinked',
        }),
      ),
    },
    { additionalProperties: true },
  ),
});

/** A session-type–project link; names unless `list`; the project's site with `with_sites`. */
export const TypeProjectJson = Type.Object(
  {
    id_session_type_project: Nullable(Type.Integer()),
    id_session_type: Nullable(Type.Integer()),
    id_project: Nullable(Type.Integer()),
    session_type_name: Type.Optional(Nullable(Type.String())),
    project_name: Type.Optional(Nullable(Type.String())),
    id_site: Type.Optional(Type.Integer()),
    site_name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
