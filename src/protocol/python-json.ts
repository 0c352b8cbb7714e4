/**
 * Python's `json.dumps(value)` with its defaults (`", "` and `": "` separators, ASCII only,
 * lowercase `\uXXXX` escapes), for the strings OpenTera stores and publishes as JSON text
 * (device status), so they are byte-identical to what OpenTera's services expect.
 *
 * Limits of the imitation (the input comes from JavaScript's JSON.parse): a number is printed
 * as an int when it is integral (Python would keep `1.0` a float), and object keys come in
 * JavaScript's property order (integer-like keys first).
 */

function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  // Python's float repr writes exponents with at least two digits and a sign (1e-07, 1e+22).
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** `json.dumps(value)` for a JSON value (null, boolean, number, string, array, object). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return '{' + entries.map(([k, v]) => `${pyString(k)}: ${pythonJsonDumps(v)}`).join(', ') + '}';
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/**
 * Depth of the deepest array/object nesting in JSON text, scanning at most until it exceeds
 * `limit` (so a hostile body costs one linear pass and no recursion).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
