/**
 * OpenTera's websocket JSON: byte-for-byte what Python protobuf 5.x produces with
 * `json_format.MessageToJson(msg, always_print_fields_with_no_presence=True)`.
 *
 * Contract of the rendering, taken from Python's json_format and json.dumps:
 * - keys are JSON names (lowerCamelCase); first the fields that are set, by field number,
 *   then the unset fields without presence, in declaration order (scalars print their
 *   default, lists `[]`); unset message fields and unset oneof members are omitted;
 * - an `Any` is `{"@type": <type_url verbatim>, ...fields of the packed message}`, `{}` when
 *   empty; its type is looked up by the name after the last '/' (the prefix is not checked);
 * - enums print their name, an unknown number prints as an integer;
 * - 64-bit integers are strings; doubles follow Python's `repr` (`1.0`, `1e-05`, `1e+16`);
 *   floats are first shortened as Python's `ToShortestFloat` does; NaN/±Infinity are strings;
 *   bytes are padded base64;
 * - `json.dumps(indent=2, ensure_ascii=True)`: two-space indent, `": "` between key and
 *   value, `,` at line ends, `[]`/`{}` for empty containers, every character outside
 *   U+0020..U+007E escaped (`\uXXXX` with lowercase hex, surrogate pairs above U+FFFF).
 *
 * Throws AppError('BAD_PAYLOAD') when an Any holds a type the registry does not know or bytes
 * that do not parse: Python fails the same way, and such a frame must never reach a client.
 */
import {
  fromBinary,
  isFieldSet,
  ScalarType,
  type DescEnum,
  type DescField,
  type DescMessage,
  type Message,
  type Registry,
} from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import { AppError } from '../errors.js';

type JsonNode =
  | { readonly t: 'raw'; readonly text: string }
  | { readonly t: 'str'; readonly value: string }
  | { readonly t: 'arr'; readonly items: JsonNode[] }
  | { readonly t: 'obj'; readonly entries: [string, JsonNode][] };

const ANY_TYPE_NAME = 'google.protobuf.Any';

/** Renders `message` (of type `schema`) as OpenTera's pretty-printed JSON text. */
export function renderOpenTeraJson(
  schema: DescMessage,
  message: Message,
  registry: Registry,
): string {
  return dumps(messageNode(schema, message, registry, []), '');
}

function messageNode(
  schema: DescMessage,
  message: Message,
  registry: Registry,
  prefix: [string, JsonNode][],
): JsonNode {
  if (schema.typeName === ANY_TYPE_NAME) return anyNode(message as Any, registry);
  const entries = prefix;
  const fields = message as unknown as Record<string, unknown>;
  const bySetNumber = [...schema.fields].sort((a, b) => a.number - b.number);
  for (const field of bySetNumber) {
    if (isFieldSet(message, field)) {
      entries.push([field.jsonName, fieldNode(field, fieldValue(fields, field), registry)]);
    }
  }
  for (const field of schema.fields) {
    if (hasPresence(field) || isFieldSet(message, field)) continue;
    entries.push([field.jsonName, defaultNode(field)]);
  }
  return { t: 'obj', entries };
}

function anyNode(any: Any, registry: Registry): JsonNode {
  if (any.typeUrl === '' && any.value.length === 0) return { t: 'obj', entries: [] };
  const name = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
  const desc = registry.getMessage(name);
  if (!desc) throw new AppError('BAD_PAYLOAD', `Unknown type in Any: ${any.typeUrl}`);
  let inner: Message;
  try {
    inner = fromBinary(desc, any.value);
  } catch (err) {
    throw new AppError('BAD_PAYLOAD', `Undecodable ${name} in Any`, { cause: err });
  }
  return messageNode(desc, inner, registry, [['@type', { t: 'str', value: any.typeUrl }]]);
}

/** Fields that Python skips when unset: messages, oneof members, proto3 `optional`. */
function hasPresence(field: DescField): boolean {
  if (field.fieldKind === 'message') return true;
  if (field.fieldKind === 'list' || field.fieldKind === 'map') return false;
  return field.oneof !== undefined || field.proto.proto3Optional === true;
}

function fieldValue(fields: Record<string, unknown>, field: DescField): unknown {
  if (field.oneof) {
    const group = fields[field.oneof.localName] as { case?: string; value?: unknown };
    return group.case === field.localName ? group.value : undefined;
  }
  return fields[field.localName];
}

function fieldNode(field: DescField, value: unknown, registry: Registry): JsonNode {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarNode(field.scalar, value);
    case 'enum':
      return enumNode(field.enum, value as number);
    case 'message':
      return messageNode(field.message, value as Message, registry, []);
    case 'list':
      return listNode(field, value as unknown[], registry);
    case 'map':
      // No map fields in OpenTera's dictionary; rendering one would be a guess.
      throw new AppError('INTERNAL', `Map field ${field.name} is not supported`);
  }
}

function listNode(
  field: DescField & { fieldKind: 'list' },
  items: unknown[],
  registry: Registry,
): JsonNode {
  switch (field.listKind) {
    case 'scalar':
      return { t: 'arr', items: items.map((v) => scalarNode(field.scalar, v)) };
    case 'enum':
      return { t: 'arr', items: items.map((v) => enumNode(field.enum, v as number)) };
    case 'message':
      return {
        t: 'arr',
        items: items.map((v) => messageNode(field.message, v as Message, registry, [])),
      };
  }
}

function defaultNode(field: DescField): JsonNode {
  switch (field.fieldKind) {
    case 'list':
      return { t: 'arr', items: [] };
    case 'map':
      return { t: 'obj', entries: [] };
    case 'enum':
      return enumNode(field.enum, 0);
    case 'scalar':
      return scalarNode(field.scalar, scalarZero(field.scalar));
    case 'message':
      throw new AppError('INTERNAL', `Message field ${field.name} has no default`);
  }
}

function scalarZero(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return '';
    case ScalarType.BOOL:
      return false;
    case ScalarType.BYTES:
      return new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 0n;
    default:
      return 0;
  }
}

function enumNode(desc: DescEnum, value: number): JsonNode {
  const known = desc.value[value];
  return known ? { t: 'str', value: known.name } : { t: 'raw', text: String(value) };
}

function scalarNode(type: ScalarType, value: unknown): JsonNode {
  switch (type) {
    case ScalarType.STRING:
      return { t: 'str', value: value as string };
    case ScalarType.BOOL:
      return { t: 'raw', text: value ? 'true' : 'false' };
    case ScalarType.BYTES:
      return { t: 'str', value: Buffer.from(value as Uint8Array).toString('base64') };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return { t: 'str', value: String(value) };
    case ScalarType.DOUBLE:
      return floatNode(value as number, false);
    case ScalarType.FLOAT:
      return floatNode(value as number, true);
    default:
      return { t: 'raw', text: String(value) };
  }
}

function floatNode(value: number, single: boolean): JsonNode {
  if (Number.isNaN(value)) return { t: 'str', value: 'NaN' };
  if (value === Infinity) return { t: 'str', value: 'Infinity' };
  if (value === -Infinity) return { t: 'str', value: '-Infinity' };
  return { t: 'raw', text: pythonFloatRepr(single ? shortestFloat32(value) : value) };
}

/** Python's `ToShortestFloat`: fewest `%g` digits (at least 6) that survive float32. */
function shortestFloat32(value: number): number {
  if (value === 0) return value;
  const exact = exactDecimal(Math.abs(value));
  for (let precision = 6; precision < 17; precision++) {
    const rounded = Math.sign(value) * roundHalfEven(exact, precision);
    if (Math.fround(rounded) === value) return rounded;
  }
  return value;
}

/** The exact decimal expansion of a positive finite double: 0.<digits> × 10^point. */
function exactDecimal(value: number): { digits: string; point: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased !== 0) mantissa |= 1n << 52n;
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  const scaled = exp2 >= 0 ? mantissa << BigInt(exp2) : mantissa * 5n ** BigInt(-exp2);
  const text = scaled.toString();
  const point = text.length + Math.min(exp2, 0);
  return { digits: text.replace(/0+$/, ''), point };
}

/** `float('%.<precision>g' % x)` in Python: correctly rounded, ties to even. */
function roundHalfEven(exact: { digits: string; point: number }, precision: number): number {
  const { digits } = exact;
  let point = exact.point;
  if (digits.length <= precision) return Number(`0.${digits}e${point}`);
  let kept = BigInt(digits.slice(0, precision));
  const rest = digits.slice(precision);
  const up = rest > '5' || (rest === '5' && kept % 2n === 1n);
  if (up) kept += 1n;
  let keptText = kept.toString();
  if (keptText.length > precision) {
    keptText = keptText.slice(0, precision);
    point += 1;
  }
  return Number(`0.${keptText}e${point}`);
}

/** Python's `repr(float)` for a finite number: shortest round-trip digits. */
export function pythonFloatRepr(value: number): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const point = exp + 1; // digits[0..point) are the integer part
  let text: string;
  if (point > -4 && point <= 16) {
    if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
    else if (point >= digits.length) text = `${digits}${'0'.repeat(point - digits.length)}.0`;
    else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  } else {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expDigits = String(Math.abs(exp)).padStart(2, '0');
    text = `${digits[0] ?? ''}${fraction}e${exp < 0 ? '-' : '+'}${expDigits}`;
  }
  return sign + text;
}

/** Python's `json.dumps(s, ensure_ascii=True)` for a string. */
export function pythonJsonString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i); // UTF-16 units: astral characters come out as pairs
    const ch = value[i] ?? '';
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

function dumps(node: JsonNode, indent: string): string {
  switch (node.t) {
    case 'raw':
      return node.text;
    case 'str':
      return pythonJsonString(node.value);
    case 'arr': {
      if (node.items.length === 0) return '[]';
      const inner = `${indent}  `;
      const lines = node.items.map((item) => inner + dumps(item, inner));
      return `[\n${lines.join(',\n')}\n${indent}]`;
    }
    case 'obj': {
      if (node.entries.length === 0) return '{}';
      const inner = `${indent}  `;
      const lines = node.entries.map(
        ([key, value]) => `${inner}${pythonJsonString(key)}: ${dumps(value, inner)}`,
      );
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
  }
}
