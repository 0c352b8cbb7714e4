/* global document, CSS */
// The roster: every user, participant and device of the directory, grouped by site and project,
// each row showing whether it is online, in a session (busy) and, for devices, their last
// status. The directory gives the rows; presence (the SDK's OnlineTracker list) their state.
// Rows carry data-kind, data-uuid, data-online and data-busy.
import { h, plural } from './dom.js';
import { statusParts } from './describe.js';

const BUCKETS = [
  ['participants', 'Participants', 'No participants'],
  ['devices', 'Devices', 'No devices'],
  ['users', 'Users', 'No users with a role here'],
];

const INITIALS = { user: 'U', participant: 'P', device: 'D' };

const keyOf = (kind, uuid) => `${kind}:${uuid}`;

export class Roster {
  /**
   * `elements`: {groups, status, search, onlineOnly}; `onCounts(counts)` receives
   * {participants, devices, users, busy} (online ones, each principal counted once).
   */
  constructor(elements, onCounts) {
    this.el = elements;
    this.onCounts = onCounts;
    this.directory = null;
    this.presence = new Map();
    this.self = null;
    /** key → the row elements of that principal (it may be listed in several projects). */
    this.rows = new Map();
    /** Project groups the user closed, by group key, kept across reloads. */
    this.closed = new Set();
    this.extras = null;
    /** Keys of the rows in the "also online" group. */
    this.extraKeys = new Set();
    this.el.search.addEventListener('input', () => this.applyFilter());
    this.el.onlineOnly.addEventListener('change', () => this.applyFilter());
  }

  /** The signed-in user's uuid, marked "you". */
  setSelf(uuid) {
    this.self = uuid;
  }

  /** Rebuilds the groups from a directory (see ./directory.js). */
  setDirectory(directory) {
    this.directory = directory;
    this.rows = new Map();
    this.extraKeys = new Set();
    const groups = [];
    for (const site of directory.sites) groups.push(this.site(site));
    const across = [];
    if (directory.superadmins.length > 0)
      across.push(
        this.group('superadmins', 'Superadmins', 'Every site and project', {
          users: directory.superadmins,
        }),
      );
    if (directory.unplaced.length > 0)
      across.push(
        this.group('unplaced', 'Not in a project', 'Users and devices without a project', {
          users: directory.unplaced.filter((e) => e.kind === 'user'),
          devices: directory.unplaced.filter((e) => e.kind === 'device'),
        }),
      );
    this.extras = h('div', { class: 'extras' });
    groups.push(
      h(
        'section',
        { class: 'site', 'aria-labelledby': 'site-across' },
        h('h3', { class: 'site-name', id: 'site-across' }, 'Across sites'),
        across,
        this.extras,
      ),
    );
    // Keyboard focus on a group's toggle stays on it across the rebuild.
    const focused = this.el.groups.contains(document.activeElement)
      ? document.activeElement.closest('[data-group]')?.dataset.group
      : undefined;
    this.el.groups.replaceChildren(...groups);
    if (focused)
      this.el.groups.querySelector(`[data-group="${CSS.escape(focused)}"] > summary`)?.focus();
    this.refresh();
  }

  /**
   * Applies presence: `entries` are the SDK's OnlineEntry list (online or busy principals). The
   * signed-in user's own entry is left out: a user's connection is never told of its own
   * comings and goings, so it could not be kept current.
   */
  setPresence(entries) {
    const others = entries.filter((e) => !(e.kind === 'user' && e.uuid === this.self));
    this.presence = new Map(others.map((e) => [keyOf(e.kind, e.uuid), e]));
    this.refresh();
  }

  refresh() {
    if (!this.directory) return;
    this.renderExtras();
    for (const [key, rows] of this.rows) {
      if (key === keyOf('user', this.self)) continue;
      const entry = this.presence.get(key);
      for (const row of rows) paint(row, entry);
    }
    this.applyFilter();
    this.count();
  }

  /** Principals online or busy that the directory does not list (e.g. added a moment ago). */
  renderExtras() {
    const missing = [...this.presence.values()].filter(
      (e) => !this.rows.has(keyOf(e.kind, e.uuid)) || this.extraKeys.has(keyOf(e.kind, e.uuid)),
    );
    const keys = new Set(missing.map((e) => keyOf(e.kind, e.uuid)));
    for (const key of this.extraKeys) this.rows.delete(key);
    this.extraKeys = keys;
    if (missing.length === 0) return void this.extras.replaceChildren();
    const entity = (e) => ({ kind: e.kind, uuid: e.uuid, name: e.name, enabled: true });
    const of = (kind) => missing.filter((e) => e.kind === kind).map(entity);
    this.extras.replaceChildren(
      this.group('extras', 'Also online', 'Not in the lists above yet', {
        participants: of('participant'),
        devices: of('device'),
        users: of('user'),
      }),
    );
  }

  site(site) {
    const id = `site-${site.id}`;
    return h(
      'section',
      { class: 'site', 'aria-labelledby': id },
      h('h3', { class: 'site-name', id }, site.name),
      site.projects.length === 0
        ? h('p', { class: 'muted' }, 'No projects you can see on this site.')
        : site.projects.map((p) =>
            this.group(`project-${p.id}`, p.name, p.enabled ? '' : 'Disabled project', p),
          ),
    );
  }

  /** One collapsible group (a project, or one of the "across sites" groups). */
  group(key, title, subtitle, buckets) {
    const details = h('details', { class: 'group', 'data-group': key });
    details.open = !this.closed.has(key);
    details.addEventListener('toggle', () => {
      if (details.open) this.closed.delete(key);
      else this.closed.add(key);
    });
    const count = h('span', { class: 'group-count', 'data-count': '' });
    details.append(
      h(
        'summary',
        {},
        h('span', { class: 'group-title' }, title),
        subtitle ? h('span', { class: 'group-sub' }, subtitle) : null,
        count,
      ),
    );
    const body = h('div', { class: 'buckets' });
    for (const [name, label, none] of BUCKETS) {
      const entities = buckets[name];
      // A project always shows its participants and devices, even none; other lists only when
      // they have someone.
      const always = buckets.participants !== undefined && name !== 'users';
      if (!entities || (entities.length === 0 && !always)) continue;
      const list = h(
        'ul',
        { class: 'entities', 'aria-label': `${label} of ${title}` },
        entities.map((e) => this.row(e)),
      );
      body.append(
        h(
          'div',
          { class: 'bucket', 'data-bucket': name },
          h('h4', {}, label),
          entities.length === 0 ? h('p', { class: 'muted none' }, none) : list,
        ),
      );
    }
    details.append(body);
    return details;
  }

  row(entity) {
    const key = keyOf(entity.kind, entity.uuid);
    const self = entity.kind === 'user' && entity.uuid === this.self;
    const row = h(
      'li',
      {
        class: 'entity',
        'data-kind': entity.kind,
        'data-uuid': entity.uuid,
        'data-name': entity.name.toLowerCase(),
        'data-online': 'false',
        'data-busy': 'false',
        'data-self': self ? 'true' : null,
      },
      h(
        'span',
        { class: 'avatar', 'data-kind': entity.kind, 'aria-hidden': 'true' },
        INITIALS[entity.kind],
      ),
      h(
        'span',
        { class: 'entity-main' },
        h(
          'span',
          { class: 'entity-name' },
          entity.name,
          entity.enabled ? null : h('span', { class: 'tag' }, 'disabled'),
        ),
        h('span', { class: 'entity-status', 'data-status': '' }),
      ),
      self
        ? h('span', { class: 'pill', 'data-tone': 'self' }, 'You')
        : h('span', { class: 'pill', 'data-tone': 'offline' }, 'Offline'),
    );
    const rows = this.rows.get(key) ?? [];
    rows.push(row);
    this.rows.set(key, rows);
    return row;
  }

  /** Hides the rows the search and "online only" leave out, and the groups left empty. */
  applyFilter() {
    if (!this.directory) return;
    const query = this.el.search.value.trim().toLowerCase();
    const onlineOnly = this.el.onlineOnly.checked;
    let shown = 0;
    let total = 0;
    for (const rows of this.rows.values())
      for (const row of rows) {
        total += 1;
        const visible =
          (query === '' || row.dataset.name.includes(query)) &&
          (!onlineOnly || row.dataset.online === 'true' || row.dataset.busy === 'true');
        row.hidden = !visible;
        if (visible) shown += 1;
      }
    const filtering = query !== '' || onlineOnly;
    for (const bucket of this.el.groups.querySelectorAll('.bucket'))
      bucket.hidden = filtering && !bucket.querySelector('.entity:not([hidden])');
    for (const group of this.el.groups.querySelectorAll('.group'))
      group.hidden = filtering && !group.querySelector('.entity:not([hidden])');
    for (const site of this.el.groups.querySelectorAll('.site'))
      site.hidden = filtering
        ? !site.querySelector('.entity:not([hidden])')
        : site.querySelectorAll('.group').length === 0 && !site.querySelector('p');
    for (const group of this.el.groups.querySelectorAll('.group')) {
      const rows = [...group.querySelectorAll('.entity')];
      const on = rows.filter((r) => r.dataset.online === 'true').length;
      group.querySelector('[data-count]').textContent = `${on} of ${rows.length} online`;
    }
    this.el.status.textContent =
      this.directory.sites.length === 0 && !filtering
        ? 'No site or project is shared with you yet.'
        : filtering
          ? shown === 0
            ? 'Nothing matches.'
            : `Showing ${plural(shown, 'entry', 'entries')} of ${total}.`
          : '';
  }

  count() {
    const counts = { participants: 0, devices: 0, users: 0, busy: 0 };
    const plurals = { participant: 'participants', device: 'devices', user: 'users' };
    for (const e of this.presence.values()) {
      if (e.online) counts[plurals[e.kind]] += 1;
      if (e.busy) counts.busy += 1;
    }
    this.onCounts(counts);
  }
}

/** Sets a row's state from its presence entry (undefined: offline and free). */
function paint(row, entry) {
  const online = entry?.online === true;
  const busy = entry?.busy === true;
  row.dataset.online = String(online);
  row.dataset.busy = String(busy);
  const pill = row.querySelector('.pill');
  const tone = busy ? 'busy' : online ? 'online' : 'offline';
  pill.dataset.tone = tone;
  pill.textContent = busy ? 'In a session' : online ? 'Online' : 'Offline';
  const line = row.querySelector('[data-status]');
  if (row.dataset.kind !== 'device') return;
  const parts = online ? statusParts(entry?.status) : null;
  line.replaceChildren();
  if (!parts) return;
  if (parts.battery !== null)
    line.append(
      h(
        'span',
        { class: 'battery', 'data-level': parts.battery < 20 ? 'low' : 'ok' },
        h('meter', {
          min: 0,
          max: 100,
          low: 20,
          high: 50,
          optimum: 100,
          value: parts.battery,
          'aria-hidden': 'true',
        }),
        `Battery ${parts.battery}%`,
      ),
    );
  if (parts.rest) line.append(h('span', { class: 'status-rest' }, parts.rest));
}
