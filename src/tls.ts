/**
 * The server's TLS material: the configured certificate and key, or a self-signed
 * development certificate generated once into <dataDir>/tls/ and reused after. The configured
 * files can be read again while serving (`reloadTls`, on SIGHUP).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError, type Config } from './config.js';
import { AppError } from './errors.js';
import type { Db } from './store/connect.js';
import { ensureSetting, SETTING } from './store/queries/settings.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /**
   * TLS session ticket keys (48 bytes): kept in the database, so a client resumes its TLS
   * session after a restart, or on another node, instead of a full handshake.
   */
  ticketKeys?: Buffer;
  /** True when generated here (not trusted by any client). */
  selfSigned: boolean;
}

function readPem(path: string, setting: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      setting,
      path,
      `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The configured certificate and key files, read and checked. Throws ConfigError. */
function readConfigured(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, '--tls-cert');
  const key = readPem(keyFile, '--tls-key');
  try {
    new X509Certificate(cert);
  } catch {
    throw new ConfigError('--tls-cert', certFile, 'not a PEM certificate');
  }
  try {
    createPrivateKey(key);
  } catch {
    throw new ConfigError('--tls-key', keyFile, 'not a PEM private key');
  }
  return { cert, key, selfSigned: false };
}

/**
 * Reads `--tls-cert`/`--tls-key` again and makes `server` present them to new connections;
 * open connections keep theirs. Returns the new certificate, or null when there are no files
 * to read (plain HTTP, generated certificate). Throws ConfigError, the server keeping its
 * certificate, when a file cannot be read, is not PEM, or the key does not match the certificate.
 */
export function reloadTls(
  config: Config,
  server: { setSecureContext(options: SecureContextOptions): void },
): X509Certificate | null {
  const material = checkConfiguredTls(config);
  if (!material) return null;
  server.setSecureContext({ cert: material.cert, key: material.key });
  return new X509Certificate(material.cert);
}

/**
 * The configured certificate and key, read and checked to match; null when none are configured
 * (plain HTTP, or a generated certificate). Throws ConfigError naming the file at fault.
 */
export function checkConfiguredTls(config: Config): TlsMaterial | null {
  if (config.tls === 'off' || !config.tlsCert || !config.tlsKey) return null;
  const material = readConfigured(config.tlsCert, config.tlsKey);
  try {
    createSecureContext({ cert: material.cert, key: material.key });
  } catch {
    throw new ConfigError('--tls-key', config.tlsKey, 'does not match --tls-cert');
  }
  return material;
}

/** Returns null for plain HTTP (`--tls off`). Throws ConfigError for unusable files. */
export async function resolveTls(config: Config): Promise<TlsMaterial | null> {
  if (config.tls === 'off') return null;
  if (config.tlsCert && config.tlsKey) return readConfigured(config.tlsCert, config.tlsKey);
  const dir = join(config.dataDir, 'tls');
  const certPath = join(dir, 'dev-cert.pem');
  const keyPath = join(dir, 'dev-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return {
      cert: readFileSync(certPath, 'utf8'),
      key: readFileSync(keyPath, 'utf8'),
      selfSigned: true,
    };
  }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 24 * 3600 * 1000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  } catch (e) {
    throw new ConfigError(
      '--data-dir',
      config.dataDir,
      `cannot write: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}

/** The session ticket keys stored in the database, created on first use. */
export async function tlsTicketKeys(db: Db): Promise<Buffer> {
  const stored = await ensureSetting(
    db,
    SETTING.TlsTicketKeys,
    randomBytes(TICKET_KEYS_BYTES).toString('base64'),
  );
  const keys = stored ? Buffer.from(stored, 'base64') : null;
  if (!keys || keys.length !== TICKET_KEYS_BYTES)
    throw new AppError('INTERNAL', 'the stored TLS session ticket keys are not 48 bytes');
  return keys;
}

const TICKET_KEYS_BYTES = 48;
