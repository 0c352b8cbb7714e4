/* global document, window, sessionStorage, setTimeout, clearTimeout */
// /dashboard: a user signs in and watches, live, what their websocket receives. The connection
// is an observer connection (the SDK's `observer: true`): it never makes the user online for
// others, and is given even while the user is connected elsewhere. The password is used once;
// the tab keeps the user token (sessionStorage) so that a reload reconnects without it.
import { TeraRelayClient } from '/client/terarelay-client.js';
import { Activity } from './activity.js';
import { loadDirectory } from './directory.js';
import { $ } from './dom.js';
import { Roster } from './roster.js';

const STORAGE_KEY = 'terarelay.dashboard';
/** Wait before reloading the directory after an event says it changed, ms (bursts coalesce). */
const DIRECTORY_RELOAD_MS = 1500;

const relay = new TeraRelayClient({ url: window.location.origin });

const form = $('login-form');
const username = $('username');
const password = $('password');
const submit = $('login-submit');

const roster = new Roster(
  {
    groups: $('roster-groups'),
    status: $('roster-status'),
    search: $('roster-search'),
    onlineOnly: $('roster-online'),
  },
  (counts) => {
    $('stat-participants').textContent = String(counts.participants);
    $('stat-devices').textContent = String(counts.devices);
    $('stat-users').textContent = String(counts.users);
    $('stat-busy').textContent = String(counts.busy);
  },
);

/** The live part of one sign-in: its connection, tracker and directory. */
let live = null;

const activity = new Activity(
  {
    log: $('activity-log'),
    empty: $('activity-empty'),
    filter: $('activity-filter'),
    pause: $('activity-pause'),
    clear: $('activity-clear'),
    paused: $('activity-paused'),
    announcer: $('activity-announcer'),
    announce: $('activity-announce'),
  },
  (kind, uuid, fallback) =>
    live?.directory?.names.get(`${kind}:${uuid}`) ||
    live?.tracker.get(kind, uuid)?.name ||
    fallback,
);

// ---------------------------------------------------------------------------------------------
// Views

function showLogin(notice = '') {
  document.body.dataset.view = 'login';
  $('dash-view').hidden = true;
  $('header-end').hidden = true;
  $('login-view').hidden = false;
  $('login-notice').textContent = notice;
  setBusy(false);
  password.value = '';
  username.focus();
}

function showDashboard(session) {
  document.body.dataset.view = 'dashboard';
  $('login-view').hidden = true;
  $('dash-view').hidden = false;
  $('header-end').hidden = false;
  $('whoami').textContent = session.name;
  $('login-error').textContent = '';
  $('login-notice').textContent = '';
  $('dash-title').focus();
}

function setBusy(busy) {
  submit.disabled = busy;
  submit.textContent = busy ? 'Signing in…' : 'Sign in';
}

const STATE_WORDS = {
  connecting: 'Connecting',
  open: 'Live',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
};

function showState(change) {
  $('connection').dataset.state = change.state;
  $('connection-text').textContent = STATE_WORDS[change.state];
  let detail = '';
  if (change.state === 'reconnecting' && change.delayMs !== null)
    detail = `next try in ${Math.max(1, Math.round(change.delayMs / 1000))} s`;
  $('connection-detail').textContent = detail;
  document.body.dataset.connection = change.state;
}

// ---------------------------------------------------------------------------------------------
// Signing in

/** What a refused sign-in tells the user. */
function refusal(err) {
  const status = err?.status;
  switch (err?.code) {
    case 'password_change':
      return 'This account must change its password first: sign in on the login page (/login), then come back.';
    case '2fa':
    case '2fa_setup':
      return 'This account uses two-step verification: sign in on the login page (/login). The dashboard does not support it yet.';
    default:
      break;
  }
  if (status === null || status === undefined)
    return 'The server could not be reached. Check your connection and try again.';
  if (status === 401) return 'The username or password is not correct.';
  if (status === 429) {
    const wait = err.retryAfterMs ? Math.ceil(err.retryAfterMs / 1000) : null;
    return `Too many failed sign-ins from this device. Try again${wait ? ` in ${wait} seconds` : ' later'}.`;
  }
  if (status === 503) return 'The server is not available right now. Try again in a moment.';
  return `Sign-in failed (status ${status}).`;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  $('login-error').textContent = '';
  const missing = [username, password].filter((i) => i.value === '');
  for (const input of [username, password])
    input.setAttribute('aria-invalid', String(missing.includes(input)));
  if (missing.length > 0) {
    $('login-error').textContent = 'Enter your username and password.';
    missing[0].focus();
    return;
  }
  setBusy(true);
  let session;
  try {
    session = await relay.login({ user: username.value, password: password.value, observer: true });
  } catch (err) {
    setBusy(false);
    if (err?.status === 401)
      for (const input of [username, password]) input.setAttribute('aria-invalid', 'true');
    $('login-error').textContent = refusal(err);
    password.select();
    password.focus();
    return;
  }
  password.value = '';
  for (const input of [username, password]) input.removeAttribute('aria-invalid');
  start(session);
});

$('sign-out').addEventListener('click', () => {
  // Only this dashboard signs out: the server's logout would also close the user's other
  // connections (an OpenTera client in use), so the token is forgotten here instead.
  stop();
  forget();
  showLogin('You are signed out of the dashboard.');
});

// ---------------------------------------------------------------------------------------------
// The live connection

function remember(session) {
  try {
    sessionStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ uuid: session.uuid, name: session.name, token: session.token }),
    );
  } catch {
    // Storage refused (private mode): a reload will ask for the password again.
  }
}

function forget() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

/** The session kept by this tab, as an observer session without a websocket URL, or null. */
function remembered() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
    if (!kept || typeof kept.token !== 'string' || typeof kept.uuid !== 'string') return null;
    return {
      kind: 'user',
      uuid: kept.uuid,
      name: typeof kept.name === 'string' ? kept.name : '',
      token: kept.token,
      staticToken: null,
      observer: true,
      websocketUrl: null,
      answer: {},
    };
  } catch {
    return null;
  }
}

function start(session) {
  stop();
  remember(session);
  activity.reset();
  roster.setSelf(session.uuid);
  $('roster-status').textContent = 'Loading…';
  $('roster-error').textContent = '';
  $('roster-groups').replaceChildren();
  showDashboard(session);

  const connection = relay.connect(session);
  const tracker = relay.trackOnline(connection);
  const current = {
    connection,
    tracker,
    directory: null,
    reload: null,
    generation: 0,
    asked: new Set(),
    wasOpen: false,
    down: false,
    stops: [],
  };
  live = current;
  showState(connection.state);

  current.stops.push(
    connection.onEvent((event) => {
      // The first frame of each websocket is the user's own CONNECTED: a handshake, not news
      // (an observer does not make the user online); the state change that follows is logged.
      const handshake =
        connection.state.state !== 'open' &&
        event.type === 'user' &&
        event.uuid === session.uuid &&
        event.change === 'connected';
      if (handshake) return;
      activity.add(event);
      if (directoryChanged(current, event)) scheduleDirectory(current, DIRECTORY_RELOAD_MS);
    }),
    connection.onState((change) => {
      showState(change);
      noteState(current, change);
      if (change.state === 'open') scheduleDirectory(current, 0);
      if (change.state === 'closed' && live === current) ended(change);
    }),
    connection.onSession((renewed) => remember(renewed)),
    tracker.onChange((entries) => roster.setPresence(entries)),
    tracker.onError(() => {
      $('roster-error').textContent =
        'Who is online could not be read; it will be read again when the connection comes back.';
    }),
  );
}

function stop() {
  const current = live;
  live = null;
  if (!current) return;
  for (const off of current.stops) off();
  if (current.reload !== null) clearTimeout(current.reload);
  current.tracker.close();
  void current.connection.close();
  activity.stop();
}

/** Logs the page's connection coming up, and going down once per outage. */
function noteState(current, change) {
  if (change.state === 'open') {
    activity.note(current.wasOpen ? 'Reconnected' : 'Connected to the live feed');
    current.wasOpen = true;
    current.down = false;
  } else if (change.state === 'reconnecting' && !current.down) {
    current.down = true;
    const why = change.code !== null ? `closed with code ${change.code}` : change.reason;
    activity.note(
      current.wasOpen ? 'Connection lost, reconnecting' : 'Could not connect yet, retrying',
      why ?? '',
    );
  }
}

/** The connection ended for good: back to the sign-in form, saying why. */
function ended(change) {
  stop();
  forget();
  let notice;
  if (change.code === 4000)
    notice =
      'The server ended this session: you were signed out, disconnected by an administrator, or your account was disabled.';
  else if (change.error?.status === 401) notice = 'Your session has expired. Sign in again.';
  else
    notice = `The live connection ended${change.reason ? `: ${change.reason}` : ''}. Sign in again.`;
  showLogin(notice);
}

/** Whether `event` may change the lists: something added, changed or removed, or unknown. */
function directoryChanged(current, event) {
  if (event.type !== 'user' && event.type !== 'participant' && event.type !== 'device')
    return false;
  if (event.change === 'added' || event.change === 'updated' || event.change === 'deleted')
    return true;
  // Someone the lists lack: read them again, once per principal (the lists may never have it).
  const key = `${event.kind}:${event.uuid}`;
  if (current.directory === null || current.directory.names.has(key) || current.asked.has(key))
    return false;
  current.asked.add(key);
  return true;
}

function scheduleDirectory(current, delayMs) {
  if (current.reload !== null) clearTimeout(current.reload);
  current.reload = setTimeout(() => {
    current.reload = null;
    void refreshDirectory(current);
  }, delayMs);
}

async function refreshDirectory(current) {
  const generation = ++current.generation;
  try {
    const directory = await loadDirectory(current.connection.session.token);
    if (live !== current || generation !== current.generation) return;
    current.directory = directory;
    $('roster-error').textContent = '';
    roster.setDirectory(directory);
    roster.setPresence(current.tracker.list());
  } catch (err) {
    if (live !== current || generation !== current.generation) return;
    $('roster-error').textContent =
      `The lists could not be read (${err instanceof Error ? err.message : String(err)}). ` +
      'They will be read again when the connection comes back.';
    if (current.directory === null) $('roster-status').textContent = '';
  }
}

// ---------------------------------------------------------------------------------------------

const kept = remembered();
if (kept) start(kept);
else showLogin();
