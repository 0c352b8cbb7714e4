/**
 * Query arguments parsed as OpenTera's flask-restx parsers do, with their error answers:
 * booleans accept `true`/`1`/`on` and `false`/`0`/empty (any case), integers are decimal;
 * a bad value is 400 `{"errors": {arg: msg}, "message": "Input payload validation failed"}`;
 * a strict parser refuses unknown arguments with 400 `{"message": "Unknown arguments: a, b"}`.
 * A repeated argument counts once (its first value).
 */
export type ArgType = 'boolean' | 'int' | 'string';
/** One argument: its type and what it means (the OpenAPI document shows the description). */
export interface ArgDecl<T extends ArgType = ArgType> {
  readonly type: T;
  readonly description: string;
}
/** Argument name → its type, bare or declared. */
export type ArgSpec = Readonly<Record<string, ArgType | ArgDecl>>;
type TypeOf<E> = E extends ArgDecl<infer T> ? T : E;
type ValueOf<T> = T extends 'boolean' ? boolean : T extends 'int' ? number : string;
export type Args<S extends ArgSpec> = { -readonly [K in keyof S]?: ValueOf<TypeOf<S[K]>> };

export const bool = (description: string): ArgDecl<'boolean'> => ({ type: 'boolean', description });
export const int = (description: string): ArgDecl<'int'> => ({ type: 'int', description });
export const str = (description: string): ArgDecl<'string'> => ({ type: 'string', description });

export const argType = (entry: ArgType | ArgDecl): ArgType =>
  typeof entry === 'string' ? entry : entry.type;

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

/** The first value given for `name` in `query` (Fastify's parsed query string), if any. */
export function firstValue(query: unknown, name: string): string | undefined {
  const given =
    typeof query === 'object' && query !== null
      ? (query as Record<string, unknown>)[name]
      : undefined;
  const first: unknown = Array.isArray(given) ? given[0] : given;
  return typeof first === 'string' ? first : undefined;
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
  for (const [name, entry] of Object.entries(spec)) {
    const type = argType(entry);
    const first = firstValue(raw, name);
    if (first === undefined) continue;
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
