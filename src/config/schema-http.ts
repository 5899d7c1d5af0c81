/**
 * The HTTP front door's settings (off by default). A bind address other than loopback
 * is refused unless TLS certificate and key are configured: bearer tokens and session
 * tokens travel in every request. The check is part of the schema, so it stops a start
 * and a reload alike, naming the field. Which settings a reload applies live is listed
 * in daemon/config-reload.ts and the README.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

/** Loopback bind addresses (never the wildcard 0.0.0.0 or ::, which mean every interface). */
export function isLoopbackBind(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export const httpConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('Serve the REST API, MCP (/mcp) and /metrics over HTTP. Needs a restart.'),
    host: z
      .string()
      .min(1)
      .max(255)
      .default('127.0.0.1')
      .describe(
        'Address to bind. Anything but loopback (127.0.0.0/8, ::1, localhost) needs tls.certFile and tls.keyFile. Needs a restart.',
      ),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(7411)
      .describe('TCP port (0: any free port; `aistack http status` shows it). Needs a restart.'),
    tls: z
      .strictObject({
        certFile: z.string().min(1).optional().describe('PEM certificate (chain) file.'),
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM private key file; must not be readable by group or others.'),
      })
      .prefault({})
      .describe('Serve HTTPS with this certificate and key (both or neither). Needs a restart.'),
    allowedHosts: z
      .array(z.string().min(1).max(300))
      .max(100)
      .optional()
      .describe(
        'Host header values accepted (DNS-rebinding protection), as "name" or "name:port"; a bare name matches on the bound port. Default: 127.0.0.1, localhost and [::1] on the bound port. Applied live.',
      ),
    allowedOrigins: z
      .array(z.string().min(1).max(300))
      .max(100)
      .optional()
      .describe(
        'Origin header values accepted, e.g. "http://localhost:7411"; a request with any other Origin is refused 403. Requests without an Origin (curl, MCP clients) are not affected. Default: the loopback origins of the bound port. Applied live.',
      ),
    cors: z
      .boolean()
      .default(false)
      .describe(
        'Answer CORS (preflight and Access-Control-Allow-Origin) for allowedOrigins, so a web page there may call the API. Off: no CORS headers at all. Needs a restart.',
      ),
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(4 * MiB)
      .describe('Largest request body; a larger one gets 413. Needs a restart.'),
    rateLimit: z
      .strictObject({
        max: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(600)
          .describe('Requests per token per window; past it 429 with Retry-After. Applied live.'),
        windowMs: z
          .number()
          .int()
          .min(1000)
          .max(3_600_000)
          .default(60_000)
          .describe('The window. Needs a restart.'),
      })
      .prefault({})
      .describe('Per-token rate limit (the owner token included).'),
    mcp: z
      .strictObject({
        maxSessionsPerToken: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(32)
          .describe(
            'Open MCP sessions (at /mcp) one token may hold; one more is refused 503 BUSY until one is closed (DELETE /mcp) or idles out. Applied live.',
          ),
        idleTimeoutMinutes: z
          .number()
          .min(1)
          .max(7 * 24 * 60)
          .default(60)
          .describe(
            'An MCP session with no request for this long is closed and its aistack session ended; the client gets 404 and initializes a new one. Applied live.',
          ),
      })
      .prefault({})
      .describe('MCP over Streamable HTTP at /mcp: each MCP session is one aistack session.'),
  })
  .superRefine((http, ctx) => {
    const { certFile, keyFile } = http.tls;
    if (Boolean(certFile) !== Boolean(keyFile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', certFile ? 'keyFile' : 'certFile'],
        message: 'tls needs both certFile and keyFile',
      });
    }
    if (http.enabled && !isLoopbackBind(http.host) && !(certFile && keyFile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `binding ${http.host} (not loopback) would send bearer and session tokens in cleartext: set http.tls.certFile and http.tls.keyFile, or bind 127.0.0.1`,
      });
    }
  })
  .prefault({})
  .describe(
    'The HTTP front door (off by default): REST under /api/v1, MCP at /mcp, GET /metrics; every route needs a bearer token.',
  );
