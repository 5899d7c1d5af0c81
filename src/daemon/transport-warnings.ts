/**
 * Saying out loud what the daemon does that exposes keys or traffic (see
 * config/transport-security.ts): a provider on plain http through `allowInsecureHttp`,
 * an inherited NODE_TLS_REJECT_UNAUTHORIZED=0. Each is a warning in the log and a
 * `config.insecure_transport` audit record at start, and again after a reload for
 * anything the reload newly brought in. `system.status` lists what is in force, for
 * `aistack doctor`.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { insecureTransport, type InsecureTransport } from '../config/transport-security.js';
import type { AuditSink } from '../services/audit/audit-sink.js';

const key = (t: InsecureTransport) => `${t.code} ${t.field}`;

/** Reports what is insecure under `config` and `env` that `previous` did not have; returns all of it. */
export function reportInsecureTransport(
  config: Config,
  env: NodeJS.ProcessEnv,
  o: { logger: Logger; audit: AuditSink; previous?: readonly InsecureTransport[] },
): InsecureTransport[] {
  const now = insecureTransport(config, env);
  const known = new Set((o.previous ?? []).map(key));
  for (const t of now) {
    if (known.has(key(t))) continue;
    o.logger.warn({ code: t.code, field: t.field, fix: t.fix }, t.message);
    o.audit.record('config.insecure_transport', { code: t.code, field: t.field });
  }
  return now;
}
