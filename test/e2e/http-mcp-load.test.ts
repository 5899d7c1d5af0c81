/**
 * MCP over Streamable HTTP under load and under TLS, through a real daemon: 8 MCP clients
 * (the official SDK's, one MCP session each) write at once for 20 s
 * (AISTACK_MCP_HTTP_SOAK_MS) with zero lost acknowledged writes; and the front door bound
 * with a self-signed certificate (made with openssl) is reached over HTTPS by fetch with
 * a custom CA, and by an MCP client through the same agent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
import { dataOf } from '../helpers/mcp.js';
import { startHttpDaemon } from '../helpers/http.js';
import { connectHttpMcp } from '../helpers/mcp-http.js';

afterEach(cleanupAll);

const SOAK_MS = Number(process.env.AISTACK_MCP_HTTP_SOAK_MS ?? 20_000);
const CLIENTS = 8;

describe('MCP over HTTP under load', () => {
  it(
    `eight MCP clients write at once for ${SOAK_MS / 1000} s and every acknowledged write is readable`,
    async () => {
      const d = await startHttpDaemon({ rateLimit: { max: 1_000_000 } });
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) =>
          connectHttpMcp(d.base, { token: d.owner, name: `writer-${i}` }),
        ),
      );
      const acked = clients.map(() => [] as { key: string; namespace: string; content: string }[]);
      const failures: string[] = [];
      const until = Date.now() + SOAK_MS;
      await Promise.all(
        clients.map(async (m, i) => {
          for (let n = 0; Date.now() < until; n++) {
            const key = `c${i}-${n}`;
            const content = `writer ${i} entry ${n} ${'x'.repeat(n % 200)}`;
            // Shared and private namespaces alternate: both must keep what they acknowledged.
            const namespace = n % 2 ? 'soak' : undefined;
            const r = await m.call('memory_store', {
              key,
              content,
              ...(namespace && { namespace }),
            });
            if (r.isError) failures.push(JSON.stringify(r.content));
            else acked[i]!.push({ key, namespace: dataOf(r).entry.namespace, content });
          }
        }),
      );
      expect(failures).toEqual([]);
      const total = acked.reduce((n, a) => n + a.length, 0);
      expect(total).toBeGreaterThan(CLIENTS * 5);

      // Shared entries read back over the socket; private ones by the session that wrote them.
      const c = await d.client();
      const missing: string[] = [];
      await Promise.all(
        clients.map(async (m, i) => {
          for (const w of acked[i]!) {
            const content =
              w.namespace === 'soak'
                ? (await c.call('memory.get', { key: w.key, namespace: w.namespace })).entry.content
                : dataOf(await m.call('memory_get', { key: w.key }))?.entry.content;
            if (content !== w.content) missing.push(`${w.namespace}/${w.key}`);
          }
        }),
      );
      expect(missing).toEqual([]);
      console.log(
        `http mcp soak: ${total} acknowledged writes by ${CLIENTS} clients in ${SOAK_MS} ms`,
      );
    },
    SOAK_MS + 120_000,
  );
});

describe('MCP over HTTP with TLS', () => {
  it('serves HTTPS with the configured certificate, reachable with a custom CA', async () => {
    const dir = tempDir('aistack-tls-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 60_000 },
    );
    execFileSync('chmod', ['600', key]);
    const d = await startHttpDaemon({ host: '127.0.0.1', tls: { certFile: cert, keyFile: key } });
    expect(d.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ connect: { ca: readFileSync(cert) } });
    const tlsFetch = ((url: string | URL, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;

    // Without the CA the certificate is refused; with it, the API answers.
    await expect(fetch(`${d.base}/api/v1/openapi.json`)).rejects.toThrow();
    const res = await tlsFetch(`${d.base}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${d.owner}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('strict-transport-security')).toContain('max-age');

    const m = await connectHttpMcp(d.base, { token: d.owner, fetch: tlsFetch });
    const stored = await m.call('memory_store', {
      key: 'tls',
      content: 'over https',
      namespace: 'n',
    });
    expect(dataOf(stored).entry.namespace).toBe('n');
    await m.close();
    // destroy, not close: close waits for the SSE stream the client may still hold.
    await agent.destroy();
  });
});
