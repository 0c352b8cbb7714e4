/**
 * A device row as OpenTera's device JSON lists it: the columns every device read selects
 * (the device lists of ./admin-devices.ts, device login in ./login.ts). `device_token` is a
 * secret: callers decide who sees it.
 */
export interface DeviceRow {
  id_device: number;
  device_uuid: string;
  device_name: string;
  id_device_type: number;
  id_device_subtype: number | null;
  device_enabled: boolean;
  device_onlineable: boolean;
  device_config: string | null;
  device_infos: string | null;
  device_notes: string | null;
  device_lastonline: string | null;
  device_token: string | null;
  subtype: {
    id_device_subtype: number;
    id_device_type: number;
    device_subtype_name: string;
  } | null;
}

/** A device's own columns (alias `d`), as OpenTera's device JSON lists them. */
export const DEVICE_ROW_COLUMNS = [
  'd.id_device',
  'd.device_uuid',
  'd.device_name',
  'd.id_device_type',
  'd.id_device_subtype',
  'd.device_token',
  'd.device_enabled',
  'd.device_onlineable',
  'd.device_config',
  'd.device_infos',
  'd.device_notes',
  'd.device_lastonline',
] as const;
