/* global setTimeout, clearTimeout */
// The activity log: every event the connection receives, newest first, in words. A filter by
// kind, a pause (events keep being recorded, and appear on resume), and a screen reader
// summary at most every few seconds rather than one announcement per event.
import { h, plural } from './dom.js';
import { CATEGORY_LABELS, categoryOf, describe } from './describe.js';

/** Events kept (the oldest go first). */
const KEEP = 500;
/** At most one announcement this often, ms. */
const ANNOUNCE_EVERY_MS = 6000;

export class Activity {
  /**
   * `elements`: {log, empty, filter, pause, clear, paused, announcer, announce};
   * `nameOf(kind, uuid, fallback)` names the principals events mention by uuid only.
   */
  constructor(elements, nameOf) {
    this.el = elements;
    this.nameOf = nameOf;
    this.entries = [];
    this.sequence = 0;
    this.paused = false;
    this.missed = 0;
    this.pending = [];
    this.timer = null;
    this.lastAnnounced = 0;
    this.el.filter.addEventListener('change', () => this.render());
    this.el.pause.addEventListener('click', () => this.setPaused(!this.paused));
    this.el.clear.addEventListener('click', () => {
      this.entries = [];
      this.missed = 0;
      this.render();
    });
  }

  /** Records one SDK event. */
  add(event) {
    const { title, detail } = describe(event, this.nameOf);
    this.record({
      category: categoryOf(event),
      type: event.type === 'unknown' ? event.typeName || 'unknown' : event.type,
      uuid: event.uuid ?? '',
      title,
      detail,
      at: event.time > 0 ? new Date(event.time * 1000) : new Date(),
      announce: true,
    });
  }

  /** Records a change of the page's own connection (announced by the header, not here). */
  note(title, detail = '') {
    const at = new Date();
    this.record({ category: 'connection', type: 'connection', uuid: '', title, detail, at });
  }

  record(fields) {
    const entry = { id: ++this.sequence, ...fields };
    this.entries.push(entry);
    if (this.entries.length > KEEP) this.entries.splice(0, this.entries.length - KEEP);
    if (this.paused) {
      this.missed += 1;
      this.showPaused();
      return;
    }
    if (!this.matches(entry)) return;
    this.el.log.prepend(item(entry));
    while (this.el.log.children.length > KEEP) this.el.log.lastElementChild.remove();
    this.el.empty.hidden = true;
    if (entry.announce) this.announce(entry.title);
  }

  /** Forgets every entry (a new sign-in). */
  reset() {
    this.entries = [];
    this.missed = 0;
    this.pending = [];
    this.setPaused(false);
  }

  matches(entry) {
    const wanted = this.el.filter.value;
    return wanted === 'all' || wanted === entry.category;
  }

  setPaused(paused) {
    this.paused = paused;
    this.el.pause.setAttribute('aria-pressed', String(paused));
    this.el.pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) {
      this.missed = 0;
      this.render();
    }
    this.showPaused();
  }

  showPaused() {
    this.el.paused.hidden = !this.paused;
    this.el.paused.textContent = this.paused
      ? `Paused. ${this.missed === 0 ? 'New events will appear when you resume.' : `${plural(this.missed, 'new event')} will appear when you resume.`}`
      : '';
  }

  render() {
    const shown = this.entries.filter((e) => this.matches(e)).reverse();
    this.el.log.replaceChildren(...shown.map(item));
    this.el.empty.hidden = shown.length > 0;
    this.el.empty.textContent =
      this.entries.length === 0
        ? 'No events yet. They appear here as they arrive.'
        : 'No events of this kind yet.';
  }

  /** Queues `text` for the screen reader summary. */
  announce(text) {
    if (!this.el.announce.checked) return;
    this.pending.push(text);
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastAnnounced + ANNOUNCE_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    const pending = this.pending.splice(0);
    if (pending.length === 0 || this.paused || !this.el.announce.checked) return;
    this.lastAnnounced = Date.now();
    this.el.announcer.textContent =
      pending.length === 1
        ? pending[0]
        : `${plural(pending.length, 'new event')}. Latest: ${pending.at(-1)}`;
  }

  stop() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

const TIME = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function item(entry) {
  return h(
    'li',
    {
      class: 'log-entry',
      'data-category': entry.category,
      'data-type': entry.type,
      'data-uuid': entry.uuid || null,
    },
    h('time', { datetime: entry.at.toISOString() }, TIME.format(entry.at)),
    h('span', { class: 'badge', 'data-category': entry.category }, CATEGORY_LABELS[entry.category]),
    h(
      'span',
      { class: 'log-text' },
      h('span', { class: 'log-title' }, entry.title),
      entry.detail ? h('span', { class: 'log-detail' }, entry.detail) : null,
    ),
  );
}
