/**
 * `aistack daemon status` for people: the daemon's status with units (KiB/MiB), uptime and
 * times relative to now, and counts in words. `--json` prints the status unchanged.
 */
import type { ResultOf } from '../../protocol/table.js';
import { ago, bytes, duration, exactTime, plural } from './human.js';

type Status = ResultOf<'system.status'>;

const list = (items: string[]) => (items.length ? items.join(', ') : 'none');

export function statusFields(s: Status, now = Date.now()): Record<string, unknown> {
  const db = s.database;
  const cp = db.checkpoints;
  const last = db.lastCheckpoint;
  return {
    running: 'yes',
    version: s.version,
    pid: s.pid,
    node: s.node,
    uptime: `${duration(s.uptimeSeconds)} (since ${exactTime(s.startedAt)})`,
    socket: s.socket,
    'data dir': s.dataDir,
    'config file': s.configFile ?? 'none (built-in defaults)',
    database: {
      path: db.path,
      size: bytes(db.sizeBytes),
      wal: `${bytes(db.walBytes)} (checkpoint every ${plural(db.walAutocheckpointPages, 'page')})`,
      'last checkpoint': last
        ? `${ago(last.at, now)}, ${last.mode}${last.busy ? ' (busy, not finished)' : ''}, ${bytes(last.walBytesBefore)} → ${bytes(last.walBytesAfter)}`
        : 'none yet',
      checkpoints: `${cp.passive} passive, ${cp.truncate} truncate, ${cp.busy} busy`,
    },
    uid: s.uid ?? 'unknown',
    memory: `${bytes(s.memoryRssBytes)} resident`,
    connections: `${s.connections.current} of ${s.connections.max}`,
    requests: `${plural(s.requests.total.requests, 'request')}, ${plural(s.requests.total.errors, 'error')}`,
    keys: list(
      s.keys.map(
        (k) =>
          `${k.provider} ${k.fingerprint} (${plural(k.ageDays, 'day')} old${k.rotationDue ? ', rotation due' : ''})`,
      ),
    ),
    'insecure transport': list(s.insecureTransport.map((t) => t.field)),
    features: Object.entries(s.features)
      .map(([name, on]) => `${name} ${on ? 'on' : 'off'}`)
      .join(', '),
  };
}
