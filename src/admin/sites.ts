/**
 * `/api/user/sites`, as OpenTera's UserQuerySites: GET lists the sites the caller reaches (or
 * those of one site id, device, name, or of another user it shares them with), each with
 * `site_role`; POST creates a site (superadmins) or updates one the caller administers; DELETE
 * (superadmins) soft-deletes a site with its projects, participant groups and participants,
 * refused with 500 while one of those participants is held by a session. A missing name or a
 * name another site holds is OpenTera's 500 `Database error`.
 */
import type { Kysely } from 'kysely';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { int, str } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import { require2faForSite, type SiteRow } from '../store/queries/admin-access.js';
import {
  deviceUuidOf,
  insertSite,
  participantsWithSessions,
  projectIdsOfSite,
  siteById,
  siteNameTaken,
  sitesNamed,
  sitesOfDevice,
  softDeleteSite,
  updateSite,
  type SiteFields,
} from '../store/queries/admin-sites.js';
import type { Database } from '../store/schema.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel } from './sites-access-model.js';
import { publishCascade } from './sites-events.js';
import {
  answerRefusal,
  bodyField,
  isObject,
  loadModel,
  Refusal,
  sendMissingId,
  toInt,
  type JsonObject,
} from './sites-http.js';
import {
  SiteItem,
  SitePostBody,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

type K = Kysely<Database>;

const SITE_ARGS = {
  id_site: int('ID of the site to query'),
  id: int('Alias for "id_site"'),
  id_device: int('ID of the device from which to get all related sites'),
  user_uuid: str('User UUID from which to get all sites that are accessible'),
  name: str('Site name to query'),
};

const CANT_DELETE =
  "Can't delete site: please delete all participants with sessions before deleting.";

export const siteJson = (s: SiteRow) => ({
  id_site: s.id_site,
  site_name: s.site_name,
  site_2fa_required: s.site_2fa_required,
});

export const sitesRoutes = (ctx: ApiContext): Route[] => [
  sitesGet(ctx),
  sitesPost(ctx),
  sitesDelete(ctx),
];

function sitesGet(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/sites',
    summary: 'Sites the caller reaches, with its role on each',
    description:
      'One of id_site/id, user_uuid (the sites that user shares with the caller, with its role), ' +
      'id_device (the sites of that device) or name; without one, every site the caller reaches.',
    args: SITE_ARGS,
    response: getResponses(SiteItem),
    handle: async ({ reply, caller, args }) => {
      const k = ctx.deps.db.kysely;
      const model = await loadModel(k);
      const me = caller.account.id;
      const idSite = args.id || args.id_site;
      let roleOf = me;
      let sites: SiteRow[] = [];
      const accessible = (userId: number) => model.accessibleSiteIds(userId);
      if (!idSite && !args.id_device && !args.user_uuid && !args.name) {
        sites = rows(model, accessible(me));
      } else if (args.user_uuid) {
        const queried = [...model.users.values()].find((u) => u.user_uuid === args.user_uuid);
        if (queried) {
          const mine = new Set(accessible(me));
          sites = rows(
            model,
            accessible(queried.id_user).filter((id) => mine.has(id)),
          );
          roleOf = queried.id_user;
        }
      } else if (idSite) {
        if (accessible(me).includes(idSite)) sites = rows(model, [idSite]);
      } else if (args.id_device) {
        if (await deviceReached(k, model, me, args.id_device))
          sites = await sitesOfDevice(k, args.id_device);
      } else if (args.name) {
        const named = (await sitesNamed(k, args.name))[0];
        if (named && accessible(me).includes(named.id_site)) sites = [named];
      }
      return sendJson(
        reply,
        200,
        sites.map((s) => ({
          ...siteJson(s),
          site_role: model.siteRole(roleOf, s.id_site),
          ...(args.id_device ? { id_device: args.id_device } : {}),
        })),
      );
    },
  });
}

const rows = (model: AccessModel, ids: readonly number[]): SiteRow[] =>
  ids.flatMap((id) => model.sites.get(id) ?? []);

/** Whether the caller reaches the device: any for a superadmin, else through one of its sites. */
async function deviceReached(
  k: K,
  model: AccessModel,
  me: number,
  deviceId: number,
): Promise<boolean> {
  if ((await deviceUuidOf(k, deviceId)) === undefined) return false;
  if (model.isSuperadmin(me)) return true;
  const mine = new Set(model.accessibleSiteIds(me));
  return (await sitesOfDevice(k, deviceId)).some((s) => mine.has(s.id_site));
}

/** The site columns given in a POSTed site; a wrong type is refused with 400. */
function siteFields(site: JsonObject): SiteFields {
  const fields: SiteFields = {};
  if ('site_name' in site) {
    if (typeof site.site_name !== 'string') throw new Refusal(400, 'Invalid site_name');
    fields.site_name = site.site_name;
  }
  if ('site_2fa_required' in site) {
    if (typeof site.site_2fa_required !== 'boolean')
      throw new Refusal(400, 'Invalid site_2fa_required');
    fields.site_2fa_required = site.site_2fa_required;
  }
  return fields;
}

function sitesPost(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/sites',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Create a site (superadmins; id_site 0) or update one the caller administers',
    body: SitePostBody,
    response: postResponses(SiteItem),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const site = bodyField(request, 'site');
        if (!isObject(site)) return sendText(reply, 400, 'Missing site');
        if (!('id_site' in site)) return sendText(reply, 400, 'Missing id_site field');
        const id = toInt(site.id_site);
        if (id === null) return sendText(reply, 400, 'Invalid id_site');
        const fields = siteFields(site);
        const me = caller.account.id;
        const saved = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          if (id > 0 && !model.accessibleSiteIds(me, true).includes(id))
            throw new Refusal(403, 'Forbidden');
          if (id <= 0 && !model.isSuperadmin(me)) throw new Refusal(403, 'Forbidden');
          if (fields.site_name !== undefined && (await siteNameTaken(trx, fields.site_name, id)))
            throw new Refusal(500, 'Database error');
          if (id > 0) await updateSite(trx, id, fields);
          else if (!fields.site_name) throw new Refusal(500, 'Database error');
          const siteId =
            id > 0 ? id : await insertSite(trx, { ...fields, site_name: fields.site_name! });
          await require2faForSite(trx, siteId);
          return { id: siteId, created: id <= 0 };
        });
        const row = await siteById(ctx.deps.db.kysely, saved.id);
        if (!row) return sendText(reply, 500, 'Database error');
        await publishDatabaseEvent(
          ctx.deps,
          'site',
          saved.created ? 'create' : 'update',
          siteJson(row),
        );
        return sendJson(reply, 200, [siteJson(row)]);
      }),
  });
}

function sitesDelete(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    url: '/api/user/sites',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Delete a site with its projects and participants (superadmins)',
    description: 'Refused (500) while a session holds one of its participants.',
    args: { id: int('Site ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }) =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined) return sendMissingId(reply, 'Site ID to delete');
        if (!caller.account.superadmin) return sendText(reply, 403, 'Forbidden');
        const cascade = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          if (!(await siteById(trx, id))) return null;
          if ((await participantsWithSessions(trx, await projectIdsOfSite(trx, id))) > 0)
            throw new Refusal(500, CANT_DELETE);
          return softDeleteSite(trx, id, new Date().toISOString());
        });
        if (cascade) {
          await publishCascade(ctx.deps, cascade);
          await publishDatabaseEvent(ctx.deps, 'site', 'delete', { id_site: id });
        }
        return sendText(reply, 200, '');
      }),
  });
}
