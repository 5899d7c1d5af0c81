/**
 * DNS-rebinding protection, as the MCP specification asks of local HTTP servers: every
 * request's Host must be on `http.allowedHosts`, and its Origin (when a browser sends
 * one) on `http.allowedOrigins`, or it is refused 403 before anything else reads it.
 * A page on evil.example that gets its name pointed at 127.0.0.1 still sends
 * `Host: evil.example` and `Origin: http://evil.example`. The lists are read from the
 * config on every request, so a reload applies them at once.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/schema.js';
import { httpErrorBody } from '../../protocol/http-status.js';
import type { RefusalAudit } from './refusal-audit.js';

export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export interface Bound {
  port: number;
  tls: boolean;
}

const hasPort = (entry: string) => /:\d+$/.test(entry) && !/^\[[^\]]*\]$/.test(entry);

/** The Host values accepted, as `http.status` shows them. */
export function allowedHosts(config: Config['http'], bound: Bound): string[] {
  return (config.allowedHosts ?? LOOPBACK_NAMES).map((h) =>
    hasPort(h) ? h.toLowerCase() : `${h.toLowerCase()}:${bound.port}`,
  );
}

/** The Origin values accepted. */
export function allowedOrigins(config: Config['http'], bound: Bound): string[] {
  const scheme = bound.tls ? 'https' : 'http';
  return (config.allowedOrigins ?? LOOPBACK_NAMES.map((n) => `${scheme}://${n}:${bound.port}`)).map(
    (o) => o.toLowerCase().replace(/\/$/, ''),
  );
}

function hostAllowed(host: string, config: Config['http'], bound: Bound): boolean {
  const h = host.toLowerCase();
  const defaultPort = bound.tls ? 443 : 80;
  const withPort = hasPort(h) ? h : `${h}:${defaultPort}`;
  return allowedHosts(config, bound).includes(withPort);
}

export function originAllowed(origin: string, config: Config['http'], bound: Bound): boolean {
  return allowedOrigins(config, bound).includes(origin.toLowerCase());
}

export function hostOriginGuard(deps: {
  config: () => Config['http'];
  bound: () => Bound;
  refusals: RefusalAudit;
}) {
  return (req: FastifyRequest) => {
    const config = deps.config();
    const bound = deps.bound();
    const host = req.headers.host;
    const where = { path: req.url.split('?')[0]!.slice(0, 200), remoteAddress: req.ip };
    if (!host || !hostAllowed(host, config, bound)) {
      const shown = (host ?? '(none)').slice(0, 200);
      deps.refusals.record('host', { ...where, host: shown });
      return {
        status: 403,
        body: httpErrorBody(
          'FORBIDDEN',
          `Host "${shown}" is not allowed here; allowed: ${allowedHosts(config, bound).join(', ')} (http.allowedHosts)`,
          { reason: 'host' },
        ),
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, config, bound)) {
      const shown = origin.slice(0, 200);
      deps.refusals.record('origin', { ...where, origin: shown });
      return {
        status: 403,
        body: httpErrorBody(
          'FORBIDDEN',
          `Origin "${shown}" is not allowed here (http.allowedOrigins)`,
          { reason: 'origin' },
        ),
      };
    }
    return undefined;
  };
}
