/**
 * Setting an online device's status, shared by POST /api/device/status and the RPC
 * `update_device_status`: store `{status, timestamp}` in Presence, then
 * announce DEVICE_STATUS_CHANGED on the UserManager's event topic with `device_status` =
 * deviceStatusField(status, timestamp).
 */
import type { Deps } from '../deps.js';
import { type PyFloat, pythonJsonDumps } from '../protocol/python-json.js';
import {
  create,
  DeviceEvent_EventType,
  DeviceEventSchema,
  packEvent,
} from '../protocol/messages.js';
import { announce } from './events.js';

/**
 * The DeviceEvent's `device_status`: Python's `json.dumps({"status": <status text>,
 * "timestamp": <ts>})`, ASCII only (one byte a character); a PyFloat timestamp is written as
 * the float it was sent as (`1.0`).
 */
export const deviceStatusField = (statusText: string, timestamp: number | PyFloat): string =>
  pythonJsonDumps({ status: statusText, timestamp });

/** False (nothing stored or announced) when the device is offline. */
export async function updateDeviceStatus(
  deps: Pick<Deps, 'presence' | 'bus' | 'codec'>,
  device: { uuid: string; name: string },
  statusText: string,
  timestamp: number | PyFloat,
): Promise<boolean> {
  const stored = { status: statusText, timestamp: Number(timestamp) };
  if (!(await deps.presence.setDeviceStatus(device.uuid, stored))) return false;
  const event = create(DeviceEventSchema, {
    type: DeviceEvent_EventType.DEVICE_STATUS_CHANGED,
    deviceUuid: device.uuid,
    deviceName: device.name,
    deviceStatus: deviceStatusField(statusText, timestamp),
  });
  await announce(deps, packEvent(DeviceEventSchema, event));
  return true;
}
