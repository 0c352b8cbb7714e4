/* global document, window */
// /login_change_password: the forced password change of a login, then back to /login.
import { $, api, markInvalid, offerRestart, setBusy, showError, textOf } from './app.js';

const form = $('form');
const password = $('new-password');
const confirm = $('confirm-password');

/** The same rules as the server's (it decides; this only guides). */
const RULES = {
  length: (p) => [...p].length >= 10,
  lower: (p) => /\p{Ll}/u.test(p),
  upper: (p) => /\p{Lu}/u.test(p),
  numeric: (p) => /\p{Nd}/u.test(p),
  special: (p) => /[^\p{L}\p{N}]/u.test(p),
};

function showRules() {
  for (const li of $('rules').querySelectorAll('li')) {
    const met = RULES[li.dataset.rule]?.(password.value) ?? false;
    li.classList.toggle('met', met);
    let state = li.querySelector('.visually-hidden');
    if (!state) {
      state = document.createElement('span');
      state.className = 'visually-hidden';
      li.append(state);
    }
    state.textContent = met ? ' (done)' : ' (not yet)';
  }
}
password.addEventListener('input', showRules);
showRules();
password.focus();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  markInvalid([password, confirm], false);
  if (password.value === '') {
    markInvalid([password], true);
    showError('Enter a new password.');
    password.focus();
    return;
  }
  if (password.value !== confirm.value) {
    markInvalid([confirm], true);
    showError('The two passwords are not the same.');
    confirm.focus();
    return;
  }
  setBusy(form, true, 'Changing…');
  const r = await api('/api/user/login/change_password', {
    method: 'POST',
    json: { new_password: password.value, confirm_password: confirm.value },
  });
  if (r.status === 200) {
    window.location.assign('/login?notice=password-changed');
    return;
  }
  setBusy(form, false);
  if (r.status === 400) {
    markInvalid([password], true);
    showError(textOf(r.body, 'This password cannot be used.').split('<br>'));
    password.focus();
  } else if (r.status === 401) {
    showError('This step has expired. Sign in again to change your password.');
    offerRestart();
  } else if (r.status === 0) {
    showError('The server could not be reached. Check your connection and try again.');
  } else {
    showError(textOf(r.body, `The password could not be changed (status ${r.status}).`));
  }
});
