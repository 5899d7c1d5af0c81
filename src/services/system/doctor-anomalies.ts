/**
 * `system.doctor`'s anomaly check: refusals, failed authentications, invalid requests and
 * plugin refusals in the window (since the last doctor run, at most 24 h), against the
 * usual rate of each in the audit log before it (up to 7 days). A category spikes when it
 * has at least SPIKE_MIN events and more than SPIKE_FACTOR times what its usual rate
 * predicts for a window that long; a spike is a WARN naming the top sources.
 */
import type { DoctorCheck } from '../../protocol/doctor.js';
import { ANOMALY_CATEGORIES, type AnomalyCategory, type ScanResult } from './doctor-audit-scan.js';

export const SPIKE_MIN = 10;
export const SPIKE_FACTOR = 3;
/** A baseline shorter than this says nothing about the usual rate. */
const MIN_BASELINE_MS = 3_600_000;

const LABELS: Record<AnomalyCategory, string> = {
  refusals: 'refusals',
  'failed-auth': 'failed authentications',
  invalid: 'invalid requests',
  plugin: 'plugin refusals',
};

export interface AnomalyWindow {
  since: number;
  until: number;
  /** Where the baseline was meant to start (it may start later: the log is younger). */
  baselineFrom: number;
}

function span(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 1 ? `${h.toFixed(h < 10 ? 1 : 0)} h` : `${Math.max(1, Math.round(ms / 60_000))} min`;
}

export function anomalyCheck(scan: ScanResult, w: AnomalyWindow): DoctorCheck {
  const windowMs = Math.max(1, w.until - w.since);
  // The baseline covers what the log holds between its start and the window.
  const baseStart = Math.max(w.baselineFrom, scan.oldestMs ?? w.since);
  const baselineMs = Math.max(0, w.since - baseStart);
  const spikes: string[] = [];
  const counts: string[] = [];
  for (const c of ANOMALY_CATEGORIES) {
    const n = scan.window.count(c);
    counts.push(`${n} ${LABELS[c]}`);
    const expected =
      baselineMs >= MIN_BASELINE_MS ? (scan.baseline.count(c) / baselineMs) * windowMs : 0;
    if (n >= SPIKE_MIN && n > SPIKE_FACTOR * expected) {
      const top = scan.window
        .top(c, 3)
        .map(([source, k]) => `${source} (${k})`)
        .join(', ');
      spikes.push(
        `${n} ${LABELS[c]} in ${span(windowMs)}, usually ${expected.toFixed(1)}; most from ${top}`,
      );
    }
  }
  const cut = scan.truncated
    ? ` (read the newest ${Math.round(scan.bytesRead / 1048576)} MiB)`
    : '';
  const usual =
    baselineMs >= MIN_BASELINE_MS
      ? `against the ${span(baselineMs)} before${cut}`
      : 'no earlier history to compare with';
  if (spikes.length > 0) {
    return {
      name: 'anomalies',
      status: 'WARN',
      detail: `${spikes.join('; ')} (${usual})`,
      fix: 'look at what those sources did (aistack audit tail --type <event>); revoke a token (aistack token revoke) or stop the client that keeps being refused; fix a misbehaving plugin or client',
    };
  }
  return {
    name: 'anomalies',
    status: 'PASS',
    detail: `in the last ${span(windowMs)}: ${counts.join(', ')}; nothing above the usual rate (${usual})`,
    fix: null,
  };
}
