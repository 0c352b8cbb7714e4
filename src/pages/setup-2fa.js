// /login_setup_2fa: shows a new OTP secret (QR code and text), confirms it with a code, then goes
// to the 2FA validation the answer names.
import { $, api, follow, markInvalid, offerRestart, setBusy, showError, textOf } from './app.js';

const form = $('form');
const code = $('otp-code');
let secret = '';

function refused(r, what) {
  if (r.status === 401 && r.body === 'Unauthorized') {
    showError('This step has expired. Sign in again to set up two-step verification.');
    offerRestart();
  } else if (r.status === 0) {
    showError('The server could not be reached. Check your connection and try again.');
  } else {
    showError(textOf(r.body, `${what} (status ${r.status}).`));
    if (r.status === 403) offerRestart();
  }
}

async function load() {
  const r = await api('/api/user/login/setup_2fa');
  $('loading').hidden = true;
  if (r.status !== 200 || !r.body || typeof r.body !== 'object') {
    refused(r, 'Two-step verification could not be prepared');
    return;
  }
  secret = r.body.otp_secret;
  $('qr').setAttribute('src', `data:image/png;base64,${r.body.qr_code}`);
  $('otp-secret').textContent = secret;
  $('setup').hidden = false;
  code.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  markInvalid([code], false);
  const value = code.value.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(value)) {
    markInvalid([code], true);
    showError('Enter the 6 digits your app shows.');
    code.focus();
    return;
  }
  setBusy(form, true, 'Checking…');
  const r = await api('/api/user/login/setup_2fa', {
    method: 'POST',
    json: { otp_secret: secret, otp_code: value },
  });
  if (r.status === 200 && r.body && follow(r.body.redirect_url)) return;
  setBusy(form, false);
  if (r.status === 401 && r.body !== 'Unauthorized') {
    markInvalid([code], true);
    showError(
      "That code doesn't match. Check that your device's clock is right and enter the current code.",
    );
    code.select();
    code.focus();
    return;
  }
  refused(r, 'Two-step verification could not be turned on');
});

void load();
