/** The user editor's form (`TeraUserForm`). */
import { form } from './form.js';

export const userForm = () =>
  form('user', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_user', label: 'User ID', type: 'hidden', required: true },
        { id: 'user_uuid', label: 'User UUID', type: 'hidden' },
        { id: 'user_name', label: 'User Full Name', type: 'hidden' },
        { id: 'user_username', label: 'Username', type: 'text', required: true },
        {
          id: 'user_enabled',
          label: 'User Enabled',
          type: 'boolean',
          required: true,
          default: true,
        },
        {
          id: 'user_force_password_change',
          label: 'Force password change',
          type: 'boolean',
          default: false,
        },
        { id: 'user_2fa_enabled', label: '2FA Enabled', type: 'boolean', default: false },
        {
          id: 'user_2fa_otp_enabled',
          label: '2FA OTP Enabled',
          type: 'boolean',
          default: false,
          condition: { item: 'user_2fa_enabled', op: '=', condition: true },
        },
        {
          id: 'user_2fa_email_enabled',
          label: '2FA Email Enabled',
          type: 'hidden',
          default: false,
        },
        { id: 'user_firstname', label: 'First Name', type: 'text', required: true },
        { id: 'user_lastname', label: 'Last Name', type: 'text', required: true },
        { id: 'user_email', label: 'Email', type: 'text' },
        { id: 'user_password', label: 'Password', type: 'password', options: { confirm: true } },
        {
          id: 'user_superadmin',
          label: 'User Is Super Administrator',
          type: 'boolean',
          required: true,
        },
        {
          id: 'user_lastonline',
          label: 'Last Connection',
          type: 'datetime',
          options: { readonly: true },
        },
        { id: 'user_notes', label: 'Notes', type: 'longtext' },
        { id: 'user_profile', label: 'Profile', type: 'hidden' },
      ],
    },
  ]);
