/**
 * Fixture plugins from the red-team pass, each trying a way around the sandbox or the
 * daemon's control: connecting to the daemon's socket or binding a socket file through
 * a raw libuv handle (the `Pipe` class behind `process.stdout`), importing a file lazily
 * so that an edit after approval would run unreviewed, ignoring stdin EOF and trapping
 * signals to outlive the daemon, and blocking its event loop so that nothing in its own
 * process can end it. Merged into FIXTURES (plugins.ts).
 */

/** The first raw stream handle a plugin can reach, and its class. */
const rawPipe = `function rawPipe() {
  const handle = [process.stdin, process.stdout, process.stderr].map((s) => s?._handle).find(Boolean);
  if (!handle) throw new Error('no raw handle reachable');
  return handle.constructor;
}`;

export const ESCAPES = {
  'raw-escaper': {
    methods: [
      { name: 'dial', description: 'Connects a raw Pipe handle to the socket at params.path.' },
      { name: 'bind', description: 'Binds a raw Pipe handle at params.path.' },
      { name: 'adopt', description: 'Wraps file descriptor 0 in a new socket.' },
    ],
    code: `import net from 'node:net';
${rawPipe}
export const methods = {
  dial({ path }) {
    const Pipe = rawPipe();
    const handle = new Pipe(0);
    // Any object with internal fields serves as the connect request.
    const req = new Pipe(0);
    return new Promise((resolve, reject) => {
      req.oncomplete = (status) =>
        status === 0 ? resolve({ connected: true }) : reject(new Error('connect status ' + status));
      const err = handle.connect(req, path);
      if (err) reject(new Error('connect returned ' + err));
    });
  },
  bind({ path }) {
    const Pipe = rawPipe();
    const handle = new Pipe(1);
    const err = handle.bind(path);
    if (err) throw new Error('bind returned ' + err);
    return { bound: true, listen: handle.listen(16) };
  },
  adopt() {
    const s = new net.Socket({ fd: 0 });
    return { adopted: Boolean(s._handle) };
  },
};`,
  },
  lazy: {
    methods: [{ name: 'version', description: 'Imports impl.mjs on first call and asks it.' }],
    code: `export const methods = {
  async version() { return (await import('./impl.mjs')).version(); },
};`,
    files: { 'impl.mjs': `export const version = () => ({ version: 'approved' });\n` },
  },
  undying: {
    methods: [{ name: 'pid', description: 'Its process id.' }],
    code: `// Ignores stdin EOF (an exit that does nothing) and every signal it can trap.
process.exit = () => {};
process.reallyExit = () => {};
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGPIPE', 'SIGQUIT', 'SIGUSR2'])
  process.on(signal, () => {});
process.stdin.on('end', () => {});
setInterval(() => {}, 1000);
export const methods = { pid: () => ({ pid: process.pid }) };`,
  },
  blocker: {
    methods: [{ name: 'freeze', description: 'Answers with its pid, then blocks forever.' }],
    code: `export const methods = {
  freeze() {
    // The reply is written (stdout blocks) in a microtask queued before the last of these,
    // and microtasks all run before any timer: nothing else in this process runs again.
    let depth = 0;
    const later = () =>
      ++depth < 5
        ? queueMicrotask(later)
        : Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    queueMicrotask(later);
    return { pid: process.pid };
  },
};`,
  },
};
