/** What an import copied, and its printout: one line per table, then settings and tokens. */
import type { CopiedTable } from './tables.js';
import type { TokenCheck } from './tokens-check.js';

export interface TableReport {
  table: CopiedTable;
  /** Rows copied. */
  copied: number;
  /**
   * Source rows not copied: deleted in OpenTera where TeraRelay keeps no `deleted_at`, tied to
   * such a row, missing a required reference or repeating a pair; settings TeraRelay does not use.
   */
  leftBehind: number;
  /** Copied rows that carry `deleted_at` (null for tables without it). */
  softDeleted: number | null;
}

export interface ImportReport {
  /** Masked URLs. */
  source: string;
  target: string;
  tables: TableReport[];
  settings: { copied: string[]; leftBehind: string[] };
  tokens: { devices: TokenCheck; participants: TokenCheck };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function tokenLine(kind: string, key: string, c: TokenCheck): string | null {
  const total = c.verified + c.failed.length;
  if (c.failed.length === 0) return null;
  const ids = c.failed.slice(0, 10).join(', ') + (c.failed.length > 10 ? ', …' : '');
  const why = c.keyPresent
    ? `do not verify with ${key}`
    : `cannot verify: OpenTera's database has no ${key}`;
  return `Warning: ${c.failed.length} of ${plural(total, `${kind} token`)} ${why} (${kind} ids ${ids}); they cannot log in, as on OpenTera.`;
}

export function formatReport(r: ImportReport): string {
  const width = Math.max(...r.tables.map((t) => t.table.length));
  const lines = [`Imported ${r.source} into ${r.target}:`];
  for (const t of r.tables) {
    const notes: string[] = [];
    if (t.softDeleted) notes.push(`${t.softDeleted} soft-deleted, deleted_at kept`);
    if (t.leftBehind > 0 && t.table !== 't_server_settings')
      notes.push(`${t.leftBehind} left behind: deleted in OpenTera, or unusable`);
    lines.push(
      `  ${t.table.padEnd(width)} ${String(t.copied).padStart(7)}${notes.length ? `  (${notes.join('; ')})` : ''}`,
    );
  }
  lines.push(
    `Server settings copied: ${r.settings.copied.join(', ') || 'none'}` +
      (r.settings.leftBehind.length ? `; left behind: ${r.settings.leftBehind.join(', ')}` : ''),
  );
  const { devices, participants } = r.tokens;
  lines.push(
    `Static tokens verified with the copied keys: ${plural(devices.verified, 'device token')}, ` +
      `${plural(participants.verified, 'participant token')}.`,
  );
  for (const warning of [
    tokenLine('device', 'TokenEncryptionKey', devices),
    tokenLine('participant', 'ParticipantTokenEncryptionKey', participants),
  ])
    if (warning) lines.push(warning);
  return lines.join('\n') + '\n';
}
