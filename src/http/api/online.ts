/**
 * Who is online, as a user may see it: /api/user/users/online, /participants/online
 * (with_projects, with_sites) and /devices/online. Each lists the principals that are online
 * or busy (OpenTera's `status_*` RPC), intersected with the caller's access sets, with
 * OpenTera's minimal JSON plus `*_online` and `*_busy`.
 */
import type { UserAccess } from '../../access/access.js';
import type { PrincipalKind } from '../../principal.js';
import type { Db } from '../../store/connect.js';
import {
  onlineDeviceRows,
  onlineParticipantRows,
  onlineUserRows,
} from '../../store/queries/online.js';
import { userGet, type ApiContext } from '../context.js';
import { bool } from '../query.js';
import { sendJson } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import {
  ArgsErrorBody,
  listResponses,
  OnlineDevice,
  OnlineParticipant,
  OnlineUser,
} from '../schemas.js';

export interface Status {
  online: boolean;
  busy: boolean;
}

/** The status of a principal that is neither online nor busy. */
const OFFLINE: Readonly<Status> = { online: false, busy: false };

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

type StatusFields<K extends PrincipalKind> = Record<`${K}_online` | `${K}_busy`, boolean>;

/** `<kind>_online` and `<kind>_busy` of `uuid` (both false when `status` lacks it). */
export function statusFields<K extends PrincipalKind>(
  kind: K,
  status: ReadonlyMap<string, Status>,
  uuid: string,
): StatusFields<K> {
  const s = status.get(uuid) ?? OFFLINE;
  return { [`${kind}_online`]: s.online, [`${kind}_busy`]: s.busy } as StatusFields<K>;
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
  load: (db: Db, uuids: string[]) => Promise<R[]>,
): Promise<{ status: Map<string, Status>; rows: R[] }> {
  const access = await callerAccess(ctx, callerUuid);
  const status = await statuses(ctx, kind);
  const allowed = access?.[`${kind}Uuids` as const];
  const uuids = allowed ? [...status.keys()].filter((uuid) => allowed.has(uuid)) : [];
  return { status, rows: uuids.length ? await load(ctx.deps.db, uuids) : [] };
}

export function onlineRoutes(ctx: ApiContext): Route[] {
  const common = userGet(ctx);
  return [
    defineRoute({
      ...common,
      url: '/api/user/users/online',
      summary: 'Users online or busy that the caller may see',
      response: listResponses(OnlineUser),
      handle: async ({ reply, caller }) => {
        const { status, rows } = await visibleRows(
          ctx,
          caller.account.uuid,
          'user',
          onlineUserRows,
        );
        return sendJson(
          reply,
          200,
          rows.map((r) => ({
            ...r,
            user_name: `${r.user_firstname} ${r.user_lastname}`,
            ...statusFields('user', status, r.user_uuid),
          })),
        );
      },
    }),
    defineRoute({
      ...common,
      url: '/api/user/participants/online',
      summary: 'Participants online or busy that the caller may see',
      args: {
        with_projects: bool('Add id_project and project_name'),
        with_sites: bool('Add id_site and site_name'),
      },
      response: listResponses(OnlineParticipant, ArgsErrorBody),
      handle: async ({ reply, caller, args }) => {
        const { status, rows } = await visibleRows(
          ctx,
          caller.account.uuid,
          'participant',
          onlineParticipantRows,
        );
        const { with_projects, with_sites } = args;
        return sendJson(
          reply,
          200,
          rows.map(({ project_name, id_site, site_name, ...p }) => ({
            ...p,
            ...(with_projects ? { project_name } : {}),
            ...(with_sites ? { id_site, site_name } : {}),
            ...statusFields('participant', status, p.participant_uuid),
          })),
        );
      },
    }),
    defineRoute({
      ...common,
      url: '/api/user/devices/online',
      summary: 'Devices online or busy that the caller may see, with their last status',
      response: listResponses(OnlineDevice),
      handle: async ({ reply, caller }) => {
        const [{ status, rows }, deviceStatus] = await Promise.all([
          visibleRows(ctx, caller.account.uuid, 'device', onlineDeviceRows),
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
    }),
  ];
}
