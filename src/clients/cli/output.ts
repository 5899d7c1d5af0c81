/**
 * How the CLI prints: aligned tables and key/value blocks for people (headers in bold on
 * a terminal, see colour.ts), one JSON document for scripts (`--json`).
 */
import { stdoutPaint } from './colour.js';
import { ago, bytes } from './human.js';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** How a column shows its values: as is, an ISO time as "2 min ago", a byte count in KiB/MiB. */
export type ColumnFormat = 'time' | 'bytes';

function cell(value: unknown, format?: ColumnFormat): string {
  if (value === null || value === undefined) return '';
  if (format === 'time' && typeof value === 'string') return ago(value);
  if (format === 'bytes' && typeof value === 'number') return bytes(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
}

export function truncate(text: string, width: number): string {
  return text.length > width ? text.slice(0, Math.max(0, width - 1)) + '…' : text;
}

/** Prints rows as an aligned table with the given columns (key, header, max width). */
export function printTable<T extends Record<string, unknown>>(
  rows: T[],
  columns: { key: keyof T & string; header: string; max?: number; format?: ColumnFormat }[],
): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const text = rows.map((r) => columns.map((c) => truncate(cell(r[c.key], c.format), c.max ?? 60)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...text.map((t) => t[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    stdoutPaint()('bold', line(columns.map((c) => c.header.toUpperCase()))) + '\n',
  );
  for (const t of text) process.stdout.write(line(t) + '\n');
}

/** Prints `key: value` lines, nested objects indented. */
export function printFields(value: Record<string, unknown>, indent = ''): void {
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      process.stdout.write(`${indent}${stdoutPaint()('bold', `${k}:`)}\n`);
      printFields(v as Record<string, unknown>, indent + '  ');
    } else {
      process.stdout.write(`${indent}${(k + ':').padEnd(width + 1)} ${cell(v)}\n`);
    }
  }
}
