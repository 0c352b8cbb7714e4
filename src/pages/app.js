/* global document, window, fetch, Headers, TextEncoder, btoa, atob, WebSocket */
// What the login pages share: calls to TeraRelay's login API, form states, messages announced to
// screen readers, the next page a login answer names, and the signed-in view with its live
// websocket. Plain ES module; nothing is loaded from another origin.

/** The pages a login answer may send the browser to (anything else is ignored). */
const NEXT_PAGES = new Set([
  '/login',
  '/login_change_password',
  '/login_setup_2fa',
  '/login_validate_2fa',
]);

/** An element by id (throws when the page lacks it: a bug of the page). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** Creates an element with attributes and children (strings become text, never HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/**
 * A call to the API: `{status, body}` where body is the parsed JSON (or text); status 0 when
 * the server could not be reached. The login cookie travels with same-origin calls only.
 */
export async function api(path, { method = 'GET', headers = {}, json } = {}) {
  const init = {
    method,
    headers: { Accept: 'application/json', ...headers },
    credentials: 'same-origin',
  };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { status: 0, body: null, headers: new Headers() };
  }
  const text = await res.text();
  let body = text;
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body, headers: res.headers };
}

/** The `Authorization` header of HTTP Basic for a username and password (UTF-8). */
export function basicAuth(username, password) {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** A readable sentence from an answer body (a JSON string, `{message}`, or text). */
export function textOf(body, fallback) {
  if (typeof body === 'string' && body.trim() !== '') return body;
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  return fallback;
}

/** Shows `message` (a string, or a list of lines) in the page's alert region; '' clears it. */
export function showError(message) {
  const box = $('error');
  box.replaceChildren();
  if (Array.isArray(message)) {
    if (message.length === 1) box.append(message[0]);
    else
      box.append(
        h(
          'ul',
          {},
          message.map((m) => h('li', {}, m)),
        ),
      );
  } else if (message) box.append(message);
}

/** Marks `inputs` invalid (or valid again) for assistive technologies. */
export function markInvalid(inputs, invalid) {
  for (const input of inputs) {
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

/** Disables the form's submit button while `busy`, with a label saying what happens. */
export function setBusy(form, busy, label) {
  const button = form.querySelector('button[type="submit"]');
  if (!button) return;
  button.dataset.label ??= button.textContent;
  button.disabled = busy;
  button.textContent = busy ? label : button.dataset.label;
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
}

/** Goes to the page an answer names, when it is one of the login pages. */
export function follow(redirectUrl) {
  if (typeof redirectUrl === 'string' && NEXT_PAGES.has(redirectUrl)) {
    window.location.assign(redirectUrl);
    return true;
  }
  return false;
}

/** Shows the "sign in again" link (a step's session expired or was refused). */
export function offerRestart() {
  $('restart').hidden = false;
}

/** The claims of a token the server just gave us (not verified: only read for display). */
function claimsOf(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

/** What an OpenTera event frame is about, in a few words (its first event's type). */
function summary(data) {
  try {
    const frame = JSON.parse(data);
    const event = (frame.message ?? frame).events?.[0];
    const kind = String(event?.['@type'] ?? '')
      .split('.')
      .pop();
    return [kind, event?.type].filter(Boolean).join(' · ');
  } catch {
    return '';
  }
}

/** A frame of the websocket, readable: pretty JSON when it is JSON. */
function pretty(data) {
  if (typeof data !== 'string') return `(binary frame, ${data.size ?? data.byteLength ?? 0} bytes)`;
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return data;
  }
}

/**
 * Replaces the card's content with the signed-in view: who, the websocket of `answer`
 * (opened here, its state announced, its first event shown), and actions. `twoFactor` says
 * whether the login used 2FA (else the view offers to turn it on).
 */
export function showSignedIn(answer, { twoFactor }) {
  const card = $('card');
  const token = answer.user_token;
  const title = h('h1', { id: 'title', tabindex: '-1' }, "You're signed in");
  const state = h('span', { id: 'ws-state' }, 'Live connection: connecting…');
  const status = h(
    'p',
    { class: 'status', id: 'ws-status', role: 'status', 'data-state': 'connecting' },
    h('span', { class: 'dot', 'aria-hidden': 'true' }),
    state,
  );
  const eventBox = h(
    'pre',
    { class: 'event', id: 'first-event', tabindex: '0', 'aria-label': 'First event received' },
    'Waiting for the first event…',
  );
  const eventSummary = h('p', { class: 'muted', id: 'first-event-summary' });
  const notice = h('p', { class: 'message info', id: 'notice', role: 'status' });
  const error = h('div', { class: 'message error', id: 'error', role: 'alert' });
  const signOut = h(
    'button',
    { class: 'button secondary', type: 'button', id: 'sign-out' },
    'Sign out',
  );
  const actions = h('div', { class: 'actions' });
  const twoFactorLine = twoFactor
    ? h(
        'p',
        { class: 'muted', id: 'two-factor-state' },
        'Two-step verification is on for this account.',
      )
    : h(
        'p',
        { class: 'muted', id: 'two-factor-state' },
        'Two-step verification is off for this account.',
      );
  if (!twoFactor) {
    actions.append(
      h(
        'button',
        { class: 'button', type: 'button', id: 'enable-2fa' },
        'Turn on two-step verification',
      ),
    );
  }
  actions.append(signOut);

  card.replaceChildren(
    title,
    h(
      'p',
      { class: 'lead' },
      'Signed in as ',
      h('strong', { id: 'fullname' }, answer.user_fullname ?? ''),
    ),
    notice,
    error,
    status,
    h('h2', {}, 'First event'),
    eventSummary,
    eventBox,
    twoFactorLine,
    actions,
  );
  document.title = 'Signed in · TeraRelay';
  title.focus();

  let socket = null;
  const setState = (s, text) => {
    status.dataset.state = s;
    state.textContent = `Live connection: ${text}`;
  };
  if (typeof answer.websocket_url === 'string') {
    socket = new WebSocket(answer.websocket_url);
    let first = true;
    socket.addEventListener('open', () => setState('open', 'open'));
    socket.addEventListener('message', (e) => {
      if (!first) return;
      first = false;
      eventSummary.textContent = typeof e.data === 'string' ? summary(e.data) : '';
      eventBox.textContent = pretty(e.data);
    });
    socket.addEventListener('close', (e) => {
      const why = e.code === 4000 ? 'closed (signed out)' : `closed (code ${e.code})`;
      setState('closed', why);
    });
  } else {
    setState('closed', 'not opened (already connected elsewhere)');
    eventBox.textContent = 'No live connection for this sign-in.';
  }

  const auth = { Authorization: `OpenTera ${token}` };
  const signOutThen = async (message) => {
    await api('/api/user/logout', { headers: auth });
    socket?.close();
    const next = message ? `/login?notice=${encodeURIComponent(message)}` : '/login';
    window.location.assign(next);
  };
  signOut.addEventListener('click', () => {
    signOut.disabled = true;
    void signOutThen('signed-out');
  });
  const enable = card.querySelector('#enable-2fa');
  enable?.addEventListener('click', async () => {
    enable.disabled = true;
    error.replaceChildren();
    const id = claimsOf(token).id_user;
    const r = await api('/api/user/users', {
      method: 'POST',
      headers: auth,
      json: { user: { id_user: id, user_2fa_enabled: true } },
    });
    if (r.status !== 200) {
      enable.disabled = false;
      error.append(textOf(r.body, 'Two-step verification could not be turned on.'));
      return;
    }
    await signOutThen('2fa-on');
  });
}

/** What /login says after a step sent the user back to it (`?notice=`). */
export const NOTICES = {
  'password-changed': 'Your password was changed. Sign in with your new password.',
  'signed-out': 'You are signed out.',
  '2fa-on': 'Two-step verification is on. Sign in again to set up your authenticator app.',
};
