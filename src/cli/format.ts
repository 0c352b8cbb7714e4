/**
 * How the terminal commands print: one line per event or connection change, readable (with
 * colour by kind only when the stream is a terminal and NO_COLOR is unset) or one JSON object
 * per line (`--json`: events are the SDK's typed events, with a `type`; connection changes
 * have a `state`).
 */
import type { OnlineEntry, RelayEvent, StateChange } from '../client/index.js';

const CODES: Readonly<Record<string, string>> = {
  user: '36', // cyan
  participant: '32', // green
  device: '33', // yellow
  device_status: '33',
  session: '35', // magenta
  unknown: '90', // grey
  dim: '2',
  bold: '1',
};

export interface Style {
  readonly color: boolean;
}

/** Whether `stream` gets colour: a terminal, and NO_COLOR not set. */
export const colorFor = (stream: { isTTY?: boolean }): boolean =>
  stream.isTTY === true && !process.env.NO_COLOR;

const paint = (style: Style, code: string | undefined, text: string): string =>
  style.color && code ? `\x1b[${code}m${text}\x1b[0m` : text;

function clock(seconds: number): string {
  const date = seconds > 0 ? new Date(seconds * 1000) : new Date();
  return date.toTimeString().slice(0, 8);
}

const members = (label: string, list: readonly string[]): string =>
  list.length ? ` ${label} ${list.join(',')}` : '';

/** What an event says, after its kind column. */
function body(event: RelayEvent): [kind: string, what: string, rest: string] {
  switch (event.type) {
    case 'user':
    case 'participant':
    case 'device': {
      const where =
        event.type === 'participant' && event.projectName
          ? ` [${event.projectName}${event.siteName ? ` / ${event.siteName}` : ''}]`
          : '';
      return [event.kind, event.change, `${event.name} (${event.uuid})${where}`];
    }
    case 'device_status':
      return ['device', 'status', `${event.name} (${event.uuid}) ${JSON.stringify(event.status)}`];
    case 'join_session':
      return [
        'session',
        'join',
        `${event.uuid}${event.creatorName ? ` by ${event.creatorName}` : ''}` +
          members('users', event.users) +
          members('participants', event.participants) +
          members('devices', event.devices) +
          (event.message ? ` "${event.message}"` : ''),
      ];
    case 'leave_session':
      return [
        'session',
        'leave',
        event.uuid +
          members('users', event.users) +
          members('participants', event.participants) +
          members('devices', event.devices),
      ];
    case 'stop_session':
      return ['session', 'stop', event.uuid];
    case 'join_session_reply':
      return [
        'session',
        `reply ${event.reply}`,
        `${event.sessionUuid} from ${event.kind} ${event.uuid}` +
          (event.message ? ` "${event.message}"` : ''),
      ];
    case 'unknown':
      return ['unknown', event.typeName || '?', JSON.stringify(event.raw)];
  }
}

/** One readable line for an event. */
export function eventLine(event: RelayEvent, style: Style): string {
  const [kind, what, rest] = body(event);
  const colour = CODES[event.type === 'device_status' ? 'device_status' : kind];
  return (
    `${paint(style, CODES.dim, clock(event.time))} ` +
    `${paint(style, colour, kind.padEnd(11))} ${paint(style, CODES.bold, what.padEnd(16))} ${rest}`
  );
}

/** The JSON line of an event (its typed fields; `raw` is OpenTera's JSON of it). */
export const eventJson = (event: RelayEvent): string => JSON.stringify(event);

/** The JSON line of a connection change. */
export const stateJson = (s: StateChange): string =>
  JSON.stringify({
    state: s.state,
    code: s.code,
    reason: s.reason,
    attempt: s.attempt,
    delayMs: s.delayMs,
    error: s.error ? { status: s.error.status, message: s.error.message } : null,
  });

const closeText = (s: StateChange): string =>
  s.code !== null ? `${s.code}${s.reason ? ` ${s.reason}` : ''}` : s.reason || 'no reason';

/** A sentence about a connection change, for stderr. */
export function stateLine(s: StateChange, where: string, first: boolean): string {
  switch (s.state) {
    case 'connecting':
      return `connecting to ${where}`;
    case 'open':
      return first ? `connected to ${where}` : 'reconnected';
    case 'reconnecting': {
      const wait = ((s.delayMs ?? 0) / 1000).toFixed(1);
      const why = s.error ? s.error.message : `connection lost (${closeText(s)})`;
      return `${why}; reconnecting in ${wait} s (attempt ${s.attempt})`;
    }
    case 'closed':
      return s.error ? `closed: ${s.error.message}` : `closed (${closeText(s)})`;
  }
}

/** The rows of `terarelay online`, as a table with a header. */
export function onlineTable(entries: readonly OnlineEntry[], style: Style): string {
  const rows = entries.map((e) => [
    e.kind,
    e.name,
    e.online ? 'yes' : 'no',
    e.busy ? 'yes' : 'no',
    e.status === null ? '' : JSON.stringify(e.status),
    e.uuid,
  ]);
  const header = ['KIND', 'NAME', 'ONLINE', 'BUSY', 'STATUS', 'UUID'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    paint(style, CODES.bold, line(header)),
    ...rows.map((r, i) => {
      const text = line(r);
      return paint(style, CODES[entries[i]!.kind], text);
    }),
  ].join('\n');
}
