/**
 * Query arguments parsed as OpenTera's flask-restx parsers do, with their error answers:
 * booleans accept `true`/`1`/`on` and `false`/`0`/empty (any case), integers are decimal;
 * a bad value is 400 `{"errors": {arg: msg}, "message": "Input payload validation failed"}`;
 * a strict parser refuses unknown arguments with 400 `{"message": "Unknown arguments: a, b"}`.
 * A repeated argument counts once (its first value).
 */
export type ArgType = 'boolean' | 'int' | 'string';
export type ArgSpec = Readonly<Record<string, ArgType>>;
type ValueOf<T extends ArgType> = T extends 'boolean' ? boolean : T extends 'int' ? number : string;
export type Args<S extends ArgSpec> = { -readonly [K in keyof S]?: ValueOf<S[K]> };

export interface ArgsError {
  message: string;
  errors?: Record<string, string>;
}

export type ParsedArgs<S extends ArgSpec> =
  { ok: true; args: Args<S> } | { ok: false; body: ArgsError };

function parseBoolean(raw: string): boolean | null {
  const v = raw.toLowerCase();
  if (v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1' || v === 'on') return true;
  return null;
}

function parseInteger(raw: string): number | null {
  const v = raw.trim();
  if (!/^[+-]?\d{1,15}$/.test(v)) return null;
  return Number(v);
}

/** Parses `query` (Fastify's parsed query string) against `spec`. */
export function parseArgs<S extends ArgSpec>(
  query: unknown,
  spec: S,
  options: { strict?: boolean } = {},
): ParsedArgs<S> {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  if (options.strict) {
    const unknown = Object.keys(raw).filter((k) => !Object.hasOwn(spec, k));
    if (unknown.length > 0)
      return { ok: false, body: { message: `Unknown arguments: ${unknown.join(', ')}` } };
  }
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [name, type] of Object.entries(spec)) {
    const given = raw[name];
    const first = Array.isArray(given) ? given[0] : given;
    if (typeof first !== 'string') continue;
    if (type === 'boolean') {
      const b = parseBoolean(first);
      if (b === null) errors[name] = `Invalid literal for boolean(): ${first}`;
      else args[name] = b;
    } else if (type === 'int') {
      const n = parseInteger(first);
      if (n === null) errors[name] = `invalid literal for int() with base 10: '${first}'`;
      else args[name] = n;
    } else {
      args[name] = first;
    }
  }
  if (Object.keys(errors).length > 0)
    return { ok: false, body: { errors, message: 'Input payload validation failed' } };
  return { ok: true, args: args as Args<S> };
}
