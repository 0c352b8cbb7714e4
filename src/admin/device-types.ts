/**
 * /api/user/devicetypes, as OpenTera's UserQueryDeviceTypes. GET: every device type, or one
 * (id_device_type, device_type_key; unknown: 403 `Unexisting ID/Forbidden access`). POST
 * `{"device_type": {...}}` creates (`id_device_type` 0) or updates a type; DELETE `?id=` or
 * `?device_type_key=` deletes one that no device uses. Only superadmins write. Keys stay
 * unique (500 `Database error`, as OpenTera answers).
 */
import Type from 'typebox';
import type { ApiContext } from '../http/context.js';
import { bool, int, str } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { JsonText } from '../http/schemas.js';
import {
  deleteDeviceType,
  deviceTypeInUse,
  deviceTypeKeyTaken,
  deviceTypes,
  insertDeviceType,
  updateDeviceType,
  type DeviceTypeRow,
} from '../store/queries/admin-devices.js';
import {
  accessOf,
  answers,
  bodyObject,
  isForeignKeyViolation,
  isRefusal,
  isUniqueViolation,
  objectAt,
  publishChange,
  readFields,
  refuse,
  sendBadField,
  transact,
  userGetRoute,
  userWriteRoute,
} from './participants-kit.js';

const URL = '/api/user/devicetypes';

const DeviceTypeItem = Type.Object(
  {
    id_device_type: Type.Integer(),
    device_type_key: Type.String(),
    device_type_name: Type.String(),
  },
  { additionalProperties: false },
);

const json = (t: DeviceTypeRow) => ({
  id_device_type: t.id_device_type,
  device_type_key: t.device_type_key,
  device_type_name: t.device_type_name,
});

export const deviceTypeRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: URL,
    summary: 'Device types',
    args: {
      id_device_type: int('ID of the device type'),
      device_type_key: str('Key of the device type'),
      list: bool('Minimal information (the same fields)'),
    },
    response: answers(Type.Array(DeviceTypeItem)),
    handle: async ({ reply, args }) => {
      const k = ctx.deps.db.kysely;
      if (args.id_device_type === undefined && args.device_type_key === undefined)
        return sendJson(reply, 200, (await deviceTypes(k)).map(json));
      const rows = args.id_device_type
        ? await deviceTypes(k, { id: args.id_device_type })
        : args.device_type_key
          ? await deviceTypes(k, { key: args.device_type_key })
          : null;
      if (rows === null) return sendJson(reply, 200, []);
      if (rows.length === 0) return sendText(reply, 403, 'Unexisting ID/Forbidden access');
      return sendJson(reply, 200, rows.map(json));
    },
  });
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: URL,
    summary: 'Create (id_device_type 0) or update a device type (superadmins)',
    body: Type.Object({
      device_type: Type.Object(
        {
          id_device_type: Type.Integer({ description: '0 creates a device type' }),
          device_type_key: Type.Optional(Type.String()),
          device_type_name: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
    }),
    response: answers(Type.Array(DeviceTypeItem)),
    handle: async ({ request, reply, caller }) => {
      const body = objectAt(bodyObject(request.body), 'device_type');
      if (!body) return sendText(reply, 400, 'Missing device_type');
      const id = body.id_device_type;
      if (id === undefined || id === null) return sendText(reply, 400, 'Missing id_device_type');
      const read = readFields(body, {
        id_device_type: 'int',
        device_type_key: 'string',
        device_type_name: 'string',
      });
      if (!read.ok) return sendBadField(reply, read.field);
      const { id_device_type: typeId, device_type_key: key, device_type_name: name } = read.values;
      if (typeId === undefined || typeId < 0) return sendBadField(reply, 'id_device_type');
      if (!(await accessOf(ctx, caller)).superadmin) return sendText(reply, 403, 'Forbidden');
      const outcome = await transact(ctx, async (trx) => {
        if (typeId > 0 && (await deviceTypes(trx, { id: typeId })).length === 0)
          return refuse(400, 'Invalid device type');
        if (key !== undefined && (await deviceTypeKeyTaken(trx, key, typeId)))
          return refuse(500, 'Database error');
        if (typeId === 0) {
          if (key === undefined || name === undefined) return refuse(500, 'Database error');
          return {
            id: await insertDeviceType(trx, { device_type_key: key, device_type_name: name }),
          };
        }
        await updateDeviceType(trx, typeId, {
          ...(key !== undefined ? { device_type_key: key } : {}),
          ...(name !== undefined ? { device_type_name: name } : {}),
        });
        return { id: typeId };
      }).catch((err: unknown) => {
        if (isUniqueViolation(err)) return refuse(500, 'Database error');
        throw err;
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      const [row] = await deviceTypes(ctx.deps.db.kysely, { id: outcome.id });
      if (!row) return sendText(reply, 500, 'Database error');
      await publishChange(ctx, 'device_type', typeId === 0 ? 'create' : 'update', json(row));
      return sendJson(reply, 200, [json(row)]);
    },
  });
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: URL,
    summary: 'Delete a device type no device uses (superadmins)',
    args: {
      id: int('Device type ID to delete'),
      device_type_key: str('Unique device key to delete'),
    },
    response: answers(JsonText),
    handle: async ({ reply, caller, args }) => {
      if (!args.id && !args.device_type_key) return sendText(reply, 400, 'Missing arguments');
      if (args.id && args.device_type_key)
        return sendText(reply, 400, 'Tried to delete with 2 parameters');
      const superadmin = (await accessOf(ctx, caller)).superadmin;
      const outcome = await transact(ctx, async (trx) => {
        const [row] = await deviceTypes(
          trx,
          args.id ? { id: args.id } : { key: args.device_type_key! },
        );
        if (!row) return refuse(400, 'Device type not found');
        if (!superadmin) return refuse(403, 'Forbidden');
        if (await deviceTypeInUse(trx, row.id_device_type))
          return refuse(
            500,
            "Can't delete device type: please delete all associated devices before deleting.",
          );
        await deleteDeviceType(trx, row.id_device_type);
        return { id: row.id_device_type };
      }).catch((err: unknown) => {
        if (isForeignKeyViolation(err)) return refuse(500, 'Database error');
        throw err;
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      await publishChange(ctx, 'device_type', 'delete', { id_device_type: outcome.id });
      return sendText(reply, 200, 'Device type successfully deleted');
    },
  });
}
