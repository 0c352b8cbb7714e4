// Events and device statuses in words. `nameOf(kind, uuid, fallback)` names a principal from the
// directory; events carry names of their own for presence, not for session members.

const KIND_WORDS = { user: 'User', participant: 'Participant', device: 'Device' };

const CHANGE_WORDS = {
  connected: 'came online',
  disconnected: 'went offline',
  joined_session: 'joined a session',
  left_session: 'left a session',
  added: 'was added',
  updated: 'was updated',
  deleted: 'was deleted',
  unknown: 'changed',
};

const REPLY_WORDS = {
  accepted: 'accepted the session invitation',
  denied: 'declined the session invitation',
  busy: 'is busy and could not join the session',
  timeout: 'did not answer the session invitation',
  unknown: 'answered the session invitation',
};

/** The filter category of an event: user, participant, device, session or other. */
export function categoryOf(event) {
  switch (event.type) {
    case 'user':
    case 'participant':
    case 'device':
      return event.type;
    case 'device_status':
      return 'device';
    case 'join_session':
    case 'leave_session':
    case 'stop_session':
    case 'join_session_reply':
      return 'session';
    default:
      return 'other';
  }
}

export const CATEGORY_LABELS = {
  user: 'User',
  participant: 'Participant',
  device: 'Device',
  session: 'Session',
  other: 'Other',
  connection: 'Connection',
};

/** Battery level in percent from a status object, or null. */
function battery(status) {
  for (const key of ['battery', 'battery_level', 'batteryLevel', 'battery_percent']) {
    const v = status[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return null;
}

const BATTERY_KEYS = new Set(['battery', 'battery_level', 'batteryLevel', 'battery_percent']);

function valueText(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A word or two from a status key: `wifi_signal` → `wifi signal`. */
const keyText = (k) =>
  k
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();

/**
 * A device's status: `{battery, rest}`, battery in percent (or null) and the rest as short text
 * ("charging: yes · wifi: -60"), or null when there is no status.
 */
export function statusParts(status) {
  if (status === null || status === undefined || status === '') return null;
  if (typeof status !== 'object' || Array.isArray(status))
    return { battery: null, rest: valueText(status) };
  const level = battery(status);
  const rest = Object.entries(status)
    .filter(([k]) => !(level !== null && BATTERY_KEYS.has(k)))
    .map(([k, v]) => `${keyText(k)}: ${valueText(v)}`)
    .join(' · ');
  return { battery: level === null ? null : Math.round(level), rest };
}

/** A status in one line of text, e.g. "Battery 80% · charging: yes". */
export function statusText(status) {
  const parts = statusParts(status);
  if (!parts) return '';
  return [parts.battery === null ? '' : `Battery ${parts.battery}%`, parts.rest]
    .filter((t) => t !== '')
    .join(' · ');
}

/** "Participant #1, Kit #2 and Super Admin" from lists of uuids. */
function members(event, nameOf) {
  const names = [
    ...event.users.map((u) => nameOf('user', u, 'a user')),
    ...event.participants.map((p) => nameOf('participant', p, 'a participant')),
    ...event.devices.map((d) => nameOf('device', d, 'a device')),
  ];
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A compact, bounded preview of an event's fields: "owner uuid: … · status: …". */
function preview(raw) {
  const { '@type': _type, ...fields } = raw ?? {};
  const text = Object.entries(fields)
    .map(([k, v]) => `${keyText(k)}: ${valueText(v)}`)
    .join(' · ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** `{title, detail}`: one sentence about the event, and a line of context ('' when none). */
export function describe(event, nameOf) {
  switch (event.type) {
    case 'user':
    case 'participant':
    case 'device': {
      const name = event.name || nameOf(event.kind, event.uuid, `A ${event.kind}`);
      const where =
        event.type === 'participant'
          ? [event.projectName, event.siteName].filter(Boolean).join(' · ')
          : '';
      return {
        title: `${name} ${CHANGE_WORDS[event.change] ?? 'changed'}`,
        detail: where || KIND_WORDS[event.kind],
      };
    }
    case 'device_status': {
      const name = event.name || nameOf('device', event.uuid, 'A device');
      return { title: `${name} sent its status`, detail: statusText(event.status) };
    }
    case 'join_session': {
      const who = members(event, nameOf);
      const by = event.creatorName ? ` from ${event.creatorName}` : '';
      return {
        title: `Session invitation${by}`,
        detail: [who ? `For ${who}` : '', event.message].filter(Boolean).join(' · '),
      };
    }
    case 'leave_session': {
      const who = members(event, nameOf);
      return { title: who ? `${who} left a session` : 'Someone left a session', detail: '' };
    }
    case 'stop_session':
      return { title: 'A session ended', detail: '' };
    case 'join_session_reply': {
      const name = nameOf(event.kind, event.uuid, `A ${event.kind}`);
      return { title: `${name} ${REPLY_WORDS[event.reply]}`, detail: event.message };
    }
    default:
      return {
        title: event.typeName ? event.typeName.replace(/^opentera\.protobuf\./, '') : 'Event',
        detail: preview(event.raw),
      };
  }
}
