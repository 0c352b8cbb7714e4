// /login_validate_2fa: a code from the authenticator app completes the login; then the
// signed-in view with its websocket.
import {
  $,
  api,
  markInvalid,
  offerRestart,
  setBusy,
  showError,
  showSignedIn,
  textOf,
} from './app.js';

const form = $('form');
const code = $('otp-code');
code.focus();

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
  setBusy(form, true, 'Verifying…');
  const r = await api('/api/user/login/2fa', {
    method: 'POST',
    json: { otp_code: value, with_websocket: true },
  });
  if (r.status === 200 && r.body && typeof r.body.user_token === 'string') {
    showSignedIn(r.body, { twoFactor: true });
    return;
  }
  setBusy(form, false);
  if (r.status === 401 && r.body !== 'Unauthorized') {
    markInvalid([code], true);
    showError('That code is not valid. Enter the current code from your app.');
    code.select();
    code.focus();
  } else if (r.status === 401) {
    showError('This step has expired. Sign in again.');
    offerRestart();
  } else if (r.status === 0) {
    showError('The server could not be reached. Check your connection and try again.');
  } else {
    showError(textOf(r.body, `Verification failed (status ${r.status}).`));
    offerRestart();
  }
});
