/** The device type choices the device and device subtype forms share: every type, by its name. */
import { choices, type FormValue } from './form.js';

export type DeviceTypeRow = { id_device_type: number; device_type_name: string };

export const deviceTypeChoices = (types: readonly DeviceTypeRow[]): FormValue[] =>
  choices(
    types,
    (t) => t.id_device_type,
    (t) => t.device_type_name,
  );
