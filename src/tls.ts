/**
 * The server's TLS material: the configured certificate and key, or a self-signed
 * development certificate generated once into <dataDir>/tls/ and reused after.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ConfigError, type Config } from './config.js';

export interface TlsMaterial {
  cert: string;
  key: string;
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

/** Returns null for plain HTTP (`--tls off`). Throws ConfigError for unusable files. */
export async function resolveTls(config: Config): Promise<TlsMaterial | null> {
  if (config.tls === 'off') return null;
  if (config.tlsCert && config.tlsKey) {
    const cert = readPem(config.tlsCert, '--tls-cert');
    const key = readPem(config.tlsKey, '--tls-key');
    try {
      new X509Certificate(cert);
    } catch {
      throw new ConfigError('--tls-cert', config.tlsCert, 'not a PEM certificate');
    }
    try {
      createPrivateKey(key);
    } catch {
      throw new ConfigError('--tls-key', config.tlsKey, 'not a PEM private key');
    }
    return { cert, key, selfSigned: false };
  }
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
