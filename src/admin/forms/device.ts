/** The device editor's form (`TeraDeviceForm`): its type among every device type. */
import { form } from './form.js';
import { deviceTypeChoices, type DeviceTypeRow } from './device-types.js';

export const deviceForm = (types: readonly DeviceTypeRow[]) =>
  form('device', [
    {
      id: 'details',
      label: 'Parameters',
      items: [
        { id: 'id_device', label: 'Device ID', type: 'hidden', required: true },
        { id: 'device_uuid', label: 'Device UUID', type: 'hidden', required: true },
        { id: 'device_name', label: 'Device Name', type: 'text', required: true },
        {
          id: 'id_device_type',
          label: 'Device Type ID',
          type: 'array',
          required: true,
          values: deviceTypeChoices(types),
        },
        {
          id: 'id_device_subtype',
          label: 'Device Sub-Type',
          type: 'array',
          condition: {
            item: 'id_device_type',
            op: '=',
            condition: 'changed',
            hook: '/api/user/devicesubtypes?id_device_type=',
          },
        },
        {
          id: 'device_token',
          label: 'Access Token',
          type: 'longlabel',
          options: { readonly: false },
        },
        {
          id: 'device_certificate',
          label: 'Certificate',
          type: 'hidden',
          options: { readonly: true },
        },
        { id: 'device_enabled', label: 'Device Enabled?', type: 'boolean', required: true },
        { id: 'device_onlineable', label: 'Device Onlineable?', type: 'boolean', required: true },
        {
          id: 'device_lastonline',
          label: 'Last Connection',
          type: 'datetime',
          options: { readonly: true },
        },
      ],
    },
    {
      id: 'infos',
      label: 'Information',
      items: [{ id: 'device_infos', label: 'Device Information', type: 'longtext' }],
    },
    {
      id: 'config',
      label: 'Configuration',
      items: [{ id: 'device_config', label: 'Device Configuration', type: 'longtext' }],
    },
    {
      id: 'notes',
      label: 'Notes',
      items: [{ id: 'device_notes', label: 'Notes', type: 'longtext' }],
    },
  ]);
