/**
 * Numbers as people read them, for tables only (`--json` keeps the raw values): bytes in
 * KiB/MiB/GiB, durations as "3 h 2 min", times as "2 min ago", and counts with the right
 * plural ("1 entry", "2 entries").
 */

export { plural } from '../../core/plural.js';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** 512 → "512 B", 4096 → "4.0 KiB", 105906176 → "101.0 MiB". */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1024) return `${n} B`;
  let value = n / 1024;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as the two largest units: "42 s", "5 min 3 s", "3 h 2 min", "4 d 1 h". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1) return '0 s';
  return parts
    .slice(first, first + 2)
    .filter(([v], i) => i === 0 || v > 0)
    .map(([v, u]) => `${v} ${u}`)
    .join(' ');
}

/** An ISO time relative to `now`: "just now", "2 min ago", "3 h 2 min ago", "in 5 min". */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.round((now - t) / 1000);
  if (Math.abs(seconds) < 5) return 'just now';
  return seconds > 0 ? `${duration(seconds)} ago` : `in ${duration(-seconds)}`;
}

/** An ISO time as "2026-12-01 21:43:35 UTC". */
export function exactTime(iso: string): string {
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}
