/**
 * A raw line-oriented socket for protocol tests: send exact bytes, read reply lines.
 */
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  send(text: string): void;
  /** Next reply line, parsed; rejects on timeout or close. */
  next(timeoutMs?: number): Promise<unknown>;
  /** Resolves when the daemon closes the connection. */
  closed: Promise<void>;
  close(): void;
}

/**
 * A raw socket to the daemon at `path`. With `token`, the connection first authenticates
 * (`auth.hello`, its answer consumed), as every real client does; without, it is an
 * anonymous connection that may do nothing but authenticate.
 */
export async function rawSocket(path: string, token?: string): Promise<RawSocket> {
  const s = await openRaw(path);
  if (token !== undefined) {
    s.send(
      JSON.stringify({ jsonrpc: '2.0', id: 'hello', method: 'auth.hello', params: { token } }) +
        '\n',
    );
    const reply = (await s.next()) as { result?: unknown; error?: unknown };
    if (!reply.result) throw new Error(`auth.hello failed: ${JSON.stringify(reply.error)}`);
  }
  return s;
}

function openRaw(path: string): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const lines: string[] = [];
    const waiters: ((line: string | null) => void)[] = [];
    let buffer = '';
    let ended = false;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const w = waiters.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    socket.on('close', () => {
      ended = true;
      waiters.splice(0).forEach((w) => w(null));
    });
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        send: (text) => socket.write(text),
        close: () => socket.destroy(),
        next(timeoutMs = 15_000) {
          const queued = lines.shift();
          if (queued !== undefined) return Promise.resolve(JSON.parse(queued));
          if (ended) return Promise.reject(new Error('connection closed'));
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no reply within timeout')), timeoutMs);
            waiters.push((line) => {
              clearTimeout(timer);
              if (line === null) rej(new Error('connection closed'));
              else res(JSON.parse(line));
            });
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}
