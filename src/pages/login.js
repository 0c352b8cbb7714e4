/* global window, URLSearchParams */
// /login: HTTP Basic login with a websocket; follows the answer's redirect_url (password change,
// 2FA) or shows the signed-in view.
import {
  $,
  api,
  basicAuth,
  follow,
  markInvalid,
  NOTICES,
  setBusy,
  showError,
  showSignedIn,
  textOf,
} from './app.js';

const form = $('form');
const username = $('username');
const password = $('password');

const notice = new URLSearchParams(window.location.search).get('notice');
if (notice && NOTICES[notice]) $('notice').textContent = NOTICES[notice];
username.focus();

/** What a refused login tells the user, by status. */
function refusal(r) {
  switch (r.status) {
    case 0:
      return 'The server could not be reached. Check your connection and try again.';
    case 401:
      return 'The username or password is not correct.';
    case 429: {
      const wait = r.headers.get('retry-after');
      return `Too many failed sign-ins from this device. Try again${wait ? ` in ${wait} seconds` : ' later'}.`;
    }
    case 503:
      return 'The server is not available right now. Try again in a moment.';
    default:
      return textOf(r.body, `Sign-in failed (status ${r.status}).`);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const missing = [username, password].filter((i) => i.value === '');
  markInvalid([username, password], false);
  if (missing.length > 0) {
    markInvalid(missing, true);
    showError('Enter your username and password.');
    missing[0].focus();
    return;
  }
  setBusy(form, true, 'Signing in…');
  const r = await api('/api/user/login?with_websocket=true', {
    headers: { Authorization: basicAuth(username.value, password.value) },
  });
  if (r.status === 200 && r.body && typeof r.body === 'object') {
    if (follow(r.body.redirect_url)) return;
    if (typeof r.body.user_token === 'string') {
      showSignedIn(r.body, { twoFactor: false });
      return;
    }
  }
  setBusy(form, false);
  if (r.status === 401) markInvalid([username, password], true);
  showError(refusal(r));
  password.select();
  password.focus();
});
