/**
 * Time-based one-time passwords as OpenTera's pyotp uses them (RFC 6238: SHA-1, 6 digits,
 * 30 s steps, a code accepted one step early or late), new secrets (160 random bits, base32),
 * their `otpauth://` provisioning URI, and that URI as a QR code in a PNG image.
 */
import { deflateSync } from 'node:zlib';
import { Secret, TOTP } from 'otpauth';
import { encode } from 'uqr';

const DIGITS = 6;
const PERIOD_S = 30;

/** A fresh base32 secret of 160 random bits (32 characters, as pyotp.random_base32()). */
export function newOtpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label = '', issuer = ''): TOTP | null {
  let key: Secret;
  try {
    key = Secret.fromBase32(secret);
  } catch {
    return null;
  }
  if (key.bytes.length === 0) return null;
  return new TOTP({
    issuer,
    label,
    secret: key,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_S,
  });
}

/**
 * The time step (Unix time ÷ 30 s) whose code of `secret` is `code`, when that is the step of
 * `timestamp` (ms) or the step before or after; else null. Compared in constant time; anything
 * but six digits, or a secret that is not base32, is null. A caller accepts a step once
 * (RFC 6238 §5.2): see acceptOtpStep.
 */
export function otpCodeStep(secret: string, code: string, timestamp = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const t = totp(secret);
  const delta = t?.validate({ token: code, timestamp, window: 1 }) ?? null;
  return delta === null ? null : Math.floor(timestamp / 1000 / PERIOD_S) + delta;
}

/** The `otpauth://totp/…` URI an authenticator app reads. */
export function otpUri(secret: string, account: string, issuer: string): string {
  const t = totp(secret, account, issuer);
  if (!t) throw new TypeError('otpUri: the secret is not base32');
  return t.toString();
}

/** Pixels per QR module (pyqrcode's `scale=5`), and the quiet zone, in modules. */
const SCALE = 5;
const QUIET = 4;

/** `text` as a QR code: a greyscale PNG, dark modules black on white. */
export function qrPng(text: string): Buffer {
  const { data } = encode(text, { ecc: 'M', border: QUIET });
  const size = data.length * SCALE;
  const rows: Buffer[] = [];
  for (const line of data) {
    const row = Buffer.alloc(1 + size, 0xff);
    row[0] = 0; // filter: none
    line.forEach((dark, x) => {
      if (dark) row.fill(0, 1 + x * SCALE, 1 + (x + 1) * SCALE);
    });
    for (let i = 0; i < SCALE; i++) rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
