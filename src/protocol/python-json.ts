/**
 * Python's `json.loads` and `json.dumps` (with its defaults: `", "` and `": "` separators,
 * ASCII only, lowercase `\uXXXX` escapes), for the JSON text OpenTera stores and publishes
 * (device status), so that it is byte-identical to what OpenTera's services would write.
 *
 * `parsePythonJson` reads JSON text as Python does: a number written with a fraction or an
 * exponent is a float and stays one (`1.0` is written back `1.0`, `1e16` as `1e+16`), an integer
 * keeps every digit, and an object keeps its keys in their order of first appearance (a repeated
 * key keeps its last value), as a Map. `pythonJsonDumps` writes such values, and plain JavaScript
 * values too, where an integral number is an int.
 */

/** A float whose value is integral (`1.0`, `-0.0`, `1e16`): JavaScript has no such number. */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** A JSON value as `parsePythonJson` returns it. */
export type PyJson =
  null | boolean | string | number | bigint | PyFloat | PyJson[] | Map<string, PyJson>;

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

/**
 * Python's `repr(float)`: the shortest digits that read back as the same double, in
 * positional notation when the decimal point falls within 16 digits of them, else with an
 * exponent of at least two digits and a sign (`1e-05`, `1e+16`); always a point or an exponent.
 */
function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits.
  const [mantissa = '0', exponent = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const point = exp + 1; // digits × 10^(point - digits.length)
  if (point <= -4 || point > 16) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${head}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A JavaScript number: an int when integral (below 1e21), else a float. */
function pyNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return pyFloat(n);
}

/** `json.dumps(value)` for a JSON value: null, boolean, number, string, array, object or Map. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyFloat) return pyFloat(value.value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return '[' + value.map(pythonJsonDumps).join(', ') + ']';
  if (typeof value === 'object') {
    const entries =
      value instanceof Map
        ? [...(value as Map<unknown, unknown>)]
        : Object.entries(value as Record<string, unknown>);
    return (
      '{' +
      entries.map(([k, v]) => `${pyString(String(k))}: ${pythonJsonDumps(v)}`).join(', ') +
      '}'
    );
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** Thrown by parsePythonJson for text that is not JSON. */
export class JsonSyntaxError extends Error {
  constructor(readonly position: number) {
    super(`Invalid JSON at position ${position}`);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * JSON text (RFC 8259, no NaN or Infinity literals) as Python's `json.loads` reads it; see the
 * header. Recursive: bound the nesting first (`jsonDepthExceeds`). Throws JsonSyntaxError.
 */
export function parsePythonJson(text: string): PyJson {
  let at = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(at);
  };
  const skip = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const expect = (c: string): void => {
    skip();
    if (text[at] !== c) fail();
    at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c) || c < 0x20) fail();
      if (c === 0x22) break;
      at += c === 0x5c ? 2 : 1;
    }
    at++;
    try {
      return JSON.parse(text.slice(start, at)) as string;
    } catch {
      return fail();
    }
  };
  const number = (): number | bigint | PyFloat => {
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m) return fail();
    at = NUMBER.lastIndex;
    const token = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(token);
      return Number.isSafeInteger(n) ? n + 0 : BigInt(token);
    }
    const n = Number(token);
    return Number.isInteger(n) ? new PyFloat(n) : n;
  };
  const literal = <T>(word: string, value: T): T => {
    if (!text.startsWith(word, at)) fail();
    at += word.length;
    return value;
  };
  const value = (): PyJson => {
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const object = new Map<string, PyJson>();
      skip();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skip();
        if (text[at] !== '"') fail();
        const key = string();
        expect(':');
        object.set(key, value());
        skip();
        if (text[at] === '}') {
          at++;
          return object;
        }
        expect(',');
      }
    }
    if (c === '[') {
      at++;
      const array: PyJson[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return array;
      }
      for (;;) {
        array.push(value());
        skip();
        if (text[at] === ']') {
          at++;
          return array;
        }
        expect(',');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    return number();
  };
  const result = value();
  skip();
  if (at !== text.length) fail();
  return result;
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
