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

export interface Column<T> {
  key: keyof T & string;
  header: string;
  /** The widest a cell may be (default 60); longer text ends in "…". */
  max?: number;
  /** The narrowest the column is when rows arrive over time (see tableWriter). */
  min?: number;
  format?: ColumnFormat;
}

/**
 * A table printer: the first call fixes the column widths (from those rows, the headers
 * and each column's `min`) and prints the header; every call prints its rows at those
 * widths, longer cells cut with "…". Rows that arrive over time (`audit tail -f`) stay
 * aligned under the same header.
 */
export function tableWriter<T extends Record<string, unknown>>(
  columns: Column<T>[],
): (rows: T[]) => void {
  let widths: number[] | undefined;
  const paint = stdoutPaint();
  const line = (cells: string[]) =>
    cells
      .map((v, i) => (i === cells.length - 1 ? v : truncate(v, widths![i]!).padEnd(widths![i]!)))
      .join('  ')
      .trimEnd();
  return (rows) => {
    const text = rows.map((r) =>
      columns.map((c) => truncate(cell(r[c.key], c.format), c.max ?? 60)),
    );
    if (!widths) {
      widths = columns.map((c, i) =>
        Math.max(c.header.length, c.min ?? 0, ...text.map((t) => t[i]!.length)),
      );
      process.stdout.write(paint('bold', line(columns.map((c) => c.header.toUpperCase()))) + '\n');
    }
    for (const t of text) process.stdout.write(line(t) + '\n');
  };
}

/** Prints rows as an aligned table with the given columns, or "(none)". */
export function printTable<T extends Record<string, unknown>>(
  rows: T[],
  columns: Column<T>[],
): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  tableWriter(columns)(rows);
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

/**
 * Prints the first `limit` lines on stderr and, when there are more, one line counting
 * the rest: "… and 29,980 more (--verbose for all)".
 */
export function printSummarised(lines: string[], limit: number): void {
  process.stderr.write(
    lines
      .slice(0, limit)
      .map((l) => `${l}\n`)
      .join(''),
  );
  const more = lines.length - limit;
  if (more > 0)
    process.stderr.write(`… and ${more.toLocaleString('en-US')} more (--verbose for all)\n`);
}
