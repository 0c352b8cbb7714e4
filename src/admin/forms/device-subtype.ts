/** The device subtype editor's form (`TeraDeviceSubTypeForm`): its type among every device type. */
import { form } from './form.js';
import { deviceTypeChoices, type DeviceTypeRow } from './device-types.js';

export const deviceSubtypeForm = (types: readonly DeviceTypeRow[]) =>
  form('device_subtype', [
    {
      id: 'infos',
      label: 'Information',
      items: [
        { id: 'id_device_subtype', label: 'Device Sub-Type ID', type: 'hidden', required: true },
        { id: 'device_subtype_name', label: 'Device Sub-Type Name', type: 'text', required: true },
        {
          id: 'id_device_type',
          label: 'Device Type ID',
          type: 'array',
          required: true,
          values: deviceTypeChoices(types),
        },
      ],
    },
  ]);
