/**
 * A one-line progress bar on stderr for long CLI operations (reindex), drawn at most
 * every 100 ms and only on a terminal, so scripts and --json output never see it.
 */

export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function progressBar(
  enabled: boolean,
  out: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label) {
      if (!enabled || (Date.now() - last < 100 && done < total)) return;
      last = Date.now();
      drawn = true;
      const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
      const bar = '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.');
      out.write(`\r[${bar}] ${String(pct).padStart(3)}% ${label}`);
    },
    done() {
      if (enabled && drawn) out.write('\r\x1b[K');
    },
  };
}
