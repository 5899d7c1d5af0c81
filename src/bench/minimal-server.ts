/**
 * The bench's limit line: the least a JSON-RPC server can do to answer `memory.get` over
 * the daemon's socket framing — frame the line (the daemon's LineFramer), JSON.parse,
 * run the store's own SELECT on the daemon's database file (read-only), map the row
 * with the store's own toEntry, JSON.stringify, one write per reply. No validation, no
 * sessions, no access control, no audit, no metrics: what the daemon does beyond this
 * is what its guarantees cost. Run as `node minimal-server.js <socket> <database>`.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { COLUMNS, toEntry, type EntryRow } from '../store/memory/entry-row.js';
import { LineFramer } from '../transport/line-framer.js';

const [socketPath, databasePath] = process.argv.slice(2);
if (!socketPath || !databasePath) {
  process.stderr.write('usage: minimal-server <socket> <database>\n');
  process.exit(2);
}

const db = new Database(databasePath, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const get = db.prepare(
  `SELECT ${COLUMNS} FROM memory_entries e WHERE e.namespace = ? AND e.key = ?`,
);

interface Request {
  id?: string | number | null;
  method?: string;
  params?: { namespace?: string; key?: string };
}

function answer(line: string): string {
  let req: Request;
  try {
    req = JSON.parse(line) as Request;
  } catch {
    return JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse' } });
  }
  const id = req.id ?? null;
  if (req.method !== 'memory.get') {
    return JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'not found' } });
  }
  const row = get.get(req.params?.namespace ?? 'default', req.params?.key ?? '') as
    EntryRow | undefined;
  if (!row) return JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32004, message: 'none' } });
  return JSON.stringify({ jsonrpc: '2.0', id, result: { entry: toEntry(row) } });
}

const server = createServer((socket) => {
  const framer = new LineFramer(4 * 1024 * 1024);
  socket.on('data', (chunk: Buffer) => {
    const { lines, overflow } = framer.push(chunk);
    for (const line of lines) socket.write(answer(line) + '\n');
    if (overflow) socket.destroy();
  });
  socket.on('error', () => {});
});

rmSync(socketPath, { force: true });
server.listen(socketPath);
process.once('SIGTERM', () => {
  server.close();
  db.close();
  process.exit(0);
});
