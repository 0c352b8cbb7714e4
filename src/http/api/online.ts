/**
 * Who is online, as a user may see it (spec §2.10): /api/user/users/online,
 * /participants/online (with_projects, with_sites) and /devices/online. Each lists the
 * principals that are online or busy (OpenTera's `status_*` RPC), intersected with the
 * caller's access sets (§5.4), with OpenTera's minimal JSON plus `*_online` and `*_busy`.
 */
import Type from 'typebox';
import { isRefusal } from '../../auth/authenticate.js';
import type { UserAccess } from '../../access/access.js';
import { devicesByUuid, participantsByUuid, usersByUuid } from '../../access/principals.js';
import type { PrincipalKind } from '../../principal.js';
import type { App } from '../app.js';
import { apiUser, registerPath, type ApiContext } from '../context.js';
import { parseArgs } from '../query.js';
import { sendArgsError, sendJson, sendRefusal } from '../replies.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  ErrorBody,
  OnlineDevice,
  OnlineParticipant,
  OnlineUser,
  QBool,
  UserUnauthorized,
  query,
} from '../schemas.js';

const tags = ['user'];

export interface Status {
  online: boolean;
  busy: boolean;
}

/** The status of a principal that is neither online nor busy. */
export const OFFLINE: Readonly<Status> = { online: false, busy: false };

/** uuid → {online, busy} for every principal of `kind` that is online or busy. */
export async function statuses(ctx: ApiContext, kind: PrincipalKind): Promise<Map<string, Status>> {
  const [online, busy] = await Promise.all([
    ctx.deps.presence.online(kind),
    ctx.deps.presence.busy(kind),
  ]);
  const out = new Map<string, Status>();
  for (const uuid of online) out.set(uuid, { online: true, busy: busy.has(uuid) });
  for (const uuid of busy.keys()) if (!out.has(uuid)) out.set(uuid, { online: false, busy: true });
  return out;
}

/** The caller's access sets, or null when the user vanished between auth and now. */
export async function callerAccess(ctx: ApiContext, uuid: string): Promise<UserAccess | null> {
  return ctx.deps.access.userAccess(uuid);
}

/**
 * The status of every online or busy principal of `kind`, and the rows `load` reads for those
 * the caller may see (`load` is not called when there are none).
 */
async function visibleRows<R>(
  ctx: ApiContext,
  callerUuid: string,
  kind: PrincipalKind,
  load: (uuids: string[]) => Promise<R[]>,
): Promise<{ status: Map<string, Status>; rows: R[] }> {
  const access = await callerAccess(ctx, callerUuid);
  const status = await statuses(ctx, kind);
  const allowed = access?.[`${kind}Uuids` as const];
  const uuids = allowed ? [...status.keys()].filter((uuid) => allowed.has(uuid)) : [];
  return { status, rows: uuids.length ? await load(uuids) : [] };
}

export function registerOnlineRoutes(app: App, ctx: ApiContext): void {
  const k = ctx.deps.db.kysely;

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/users/online',
      schema: {
        summary: 'Users online or busy that the caller may see',
        tags,
        security: BASIC_OR_TOKEN,
        response: { 200: Type.Array(OnlineUser), 401: UserUnauthorized, 429: ErrorBody },
      },
      handler: async (request, reply) => {
        const a = await apiUser(ctx, request);
        if (isRefusal(a)) return sendRefusal(reply, a);
        const { status, rows } = await visibleRows(ctx, a.account.uuid, 'user', (uuids) =>
          usersByUuid(k, uuids)
            .select(['id_user', 'user_uuid', 'user_firstname', 'user_lastname', 'user_enabled'])
            .orderBy('user_firstname')
            .orderBy('id_user')
            .execute(),
        );
        return sendJson(
          reply,
          200,
          rows.map((r) => ({
            ...r,
            user_name: `${r.user_firstname} ${r.user_lastname}`,
            user_online: status.get(r.user_uuid)!.online,
            user_busy: status.get(r.user_uuid)!.busy,
          })),
        );
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/participants/online',
      schema: {
        summary: 'Participants online or busy that the caller may see',
        tags,
        security: BASIC_OR_TOKEN,
        querystring: query({
          with_projects: QBool('Add id_project and project_name'),
          with_sites: QBool('Add id_site and site_name'),
        }),
        response: {
          200: Type.Array(OnlineParticipant),
          400: ArgsErrorBody,
          401: UserUnauthorized,
          429: ErrorBody,
        },
      },
      handler: async (request, reply) => {
        const a = await apiUser(ctx, request);
        if (isRefusal(a)) return sendRefusal(reply, a);
        const parsed = parseArgs(request.query, {
          with_projects: 'boolean',
          with_sites: 'boolean',
        });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const { status, rows } = await visibleRows(ctx, a.account.uuid, 'participant', (uuids) =>
          participantsByUuid(k, uuids)
            .select([
              'p.id_participant',
              'p.participant_uuid',
              'p.participant_name',
              'p.participant_email',
              'p.participant_enabled',
              'p.participant_token_enabled',
              'p.id_participant_group',
              'p.id_project',
              'pr.project_name',
              's.id_site',
              's.site_name',
            ])
            .orderBy('p.participant_name')
            .orderBy('p.id_participant')
            .execute(),
        );
        const { with_projects, with_sites } = parsed.args;
        return sendJson(
          reply,
          200,
          rows.map(({ project_name, id_site, site_name, ...p }) => ({
            ...p,
            ...(with_projects ? { project_name } : {}),
            ...(with_sites ? { id_site, site_name } : {}),
            participant_online: status.get(p.participant_uuid)!.online,
            participant_busy: status.get(p.participant_uuid)!.busy,
          })),
        );
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/devices/online',
      schema: {
        summary: 'Devices online or busy that the caller may see, with their last status',
        tags,
        security: BASIC_OR_TOKEN,
        response: { 200: Type.Array(OnlineDevice), 401: UserUnauthorized, 429: ErrorBody },
      },
      handler: async (request, reply) => {
        const a = await apiUser(ctx, request);
        if (isRefusal(a)) return sendRefusal(reply, a);
        const [{ status, rows }, deviceStatus] = await Promise.all([
          visibleRows(ctx, a.account.uuid, 'device', (uuids) =>
            devicesByUuid(k, uuids)
              .select([
                'id_device',
                'device_uuid',
                'device_name',
                'id_device_type',
                'id_device_subtype',
                'device_enabled',
              ])
              .orderBy('device_name')
              .orderBy('id_device')
              .execute(),
          ),
          ctx.deps.presence.deviceStatuses(),
        ]);
        return sendJson(
          reply,
          200,
          rows.map((d) => {
            const s = status.get(d.device_uuid)!;
            const st = deviceStatus.get(d.device_uuid);
            return {
              ...d,
              device_online: s.online,
              device_busy: s.busy,
              device_status: {
                online: s.online,
                busy: s.busy,
                status: st ? { status: st.status, timestamp: st.timestamp } : null,
              },
            };
          }),
        );
      },
    },
  ]);
}
