/**
 * A raw line-oriented socket for protocol tests: send exact bytes, read reply lines.
 */
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  send(text: string): void;
  /** Next reply line, parsed; rejects on timeout or close. */
  next(timeoutMs?: number): Promise<unknown>;
  /** Next reply line exactly as sent (without its newline); rejects on timeout or close. */
  nextLine(timeoutMs?: number): Promise<string>;
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
    socket.setEncoding('utf8');
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('data', (d) => {
      buffer += d; // a string: the socket decodes UTF-8 across chunk boundaries
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
        next: (timeoutMs = 15_000) =>
          nextLine(timeoutMs).then((line) => JSON.parse(line) as unknown),
        nextLine,
      }),
    );
    function nextLine(timeoutMs = 15_000): Promise<string> {
      const queued = lines.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (ended) return Promise.reject(new Error('connection closed'));
      return new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error('no reply within timeout')), timeoutMs);
        waiters.push((line) => {
          clearTimeout(timer);
          if (line === null) rej(new Error('connection closed'));
          else res(line);
        });
      });
    }
    socket.once('error', reject);
  });
}
