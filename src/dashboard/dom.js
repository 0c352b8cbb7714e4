/* global document */
// Small DOM helpers of the dashboard. Text always goes in as text nodes, never as HTML.

/** An element by id (throws when the page lacks it: a bug of the page). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * Creates an element: `attrs` become attributes (`class` the class name; false, null and
 * undefined are left out, true is an empty attribute), strings among `children` become text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** "1 participant", "3 participants". */
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
