/**
 * MCP clients for tests: each spawns the real `aistack mcp` (from dist/) through the
 * official SDK's `StdioClientTransport` and `Client`, and records every byte the shim
 * writes to stdout and stderr so a test can scan them. `closeAllShims()` (afterEach)
 * closes whatever a test left open; `closeShimsAndCleanup` does that and then cleanupAll.
 * `daemonAndTwoShims` starts the usual pair of clients on one daemon, and `callOk` calls a
 * tool that must succeed.
 */
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import {
  AISTACK,
  checkResults,
  cleanupAll,
  startDaemon,
  type StartOptions,
  type TestDaemon,
} from './daemon.js';

export interface ShimExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Shim {
  client: Client;
  pid: number;
  /** Every byte written to stdout / stderr so far, as text. */
  stdout(): string;
  stderr(): string;
  /** Errors the SDK client reported (a non-MCP line on stdout would be one). */
  protocolErrors: Error[];
  /** Calls a tool; a tool error comes back as a result with `isError`. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Closes stdin (as an MCP client does) and waits for the process to exit. */
  close(): Promise<ShimExit>;
  exited: Promise<ShimExit>;
}

export interface ShimOptions {
  socketPath: string;
  /** Extra arguments after `mcp`. */
  args?: string[];
  env?: Record<string, string>;
  /** The MCP client's name, sent in `initialize`. */
  name?: string;
  /** Default false: tests start their own daemons. */
  autostart?: boolean;
  dataDir?: string;
  /** Options for node itself, before the script (e.g. `--import`). */
  nodeArgs?: string[];
  /** Default true: list the tools right after initialize, as real clients do. */
  listTools?: boolean;
  /**
   * The folder the shim starts in. Default `/`, which is no project, so a test that does
   * not ask for one gets the session-only behaviour (test/e2e/projects.test.ts binds them).
   */
  cwd?: string;
  /** Declare the `roots` capability and answer `roots/list` with these folders. */
  roots?: string[];
}

const open = new Set<Shim>();

/** The text of a tool result's content. */
export const textOf = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** The structured result, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dataOf = (r: CallToolResult): any => r.structuredContent;

export async function spawnShim(o: ShimOptions): Promise<Shim> {
  const args = [...(o.nodeArgs ?? []), AISTACK, '--socket', o.socketPath];
  if (!o.autostart) args.push('--no-autostart');
  // The shim finds the owner token in the daemon's data dir; test daemons keep theirs
  // beside the socket's directory (<dir>/run/aistack.sock, <dir>/data).
  args.push('--data-dir', o.dataDir ?? join(dirname(dirname(o.socketPath)), 'data'));
  args.push('mcp', ...(o.args ?? []));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(checkResults as Record<string, string>),
      ...o.env,
    },
    stderr: 'pipe',
    cwd: o.cwd ?? '/',
  });
  let out = '';
  let err = '';
  transport.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const client = new Client(
    { name: o.name ?? 'vitest', version: '1.0.0' },
    o.roots ? { capabilities: { roots: {} } } : {},
  );
  if (o.roots) {
    const roots = o.roots.map((folder) => ({ uri: pathToFileURL(folder).href }));
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
  }
  const protocolErrors: Error[] = [];
  client.onerror = (e) => protocolErrors.push(e);
  const connecting = client.connect(transport);
  // connect() spawns synchronously; tap the raw stdout before any byte arrives. The
  // transport does not expose the process, hence the private field.
  const child = (transport as unknown as { _process?: ChildProcess })._process;
  if (!child) throw new Error('StdioClientTransport no longer keeps _process; update the helper');
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<ShimExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await connecting;
  } catch (err) {
    // The SDK client closed the transport; the shim leaves with its stdin.
    await exited;
    throw err;
  }
  // As real MCP clients do, list the tools first: the SDK client then validates every
  // structuredContent against its tool's outputSchema, and fails a call that does not fit.
  if (o.listTools !== false) await client.listTools();
  const shim: Shim = {
    client,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    protocolErrors,
    call: async (name, a = {}) =>
      (await client.callTool({ name, arguments: a }, undefined, {
        timeout: 30_000,
      })) as CallToolResult,
    async close() {
      open.delete(shim);
      await client.close();
      return exited;
    },
    exited,
  };
  open.add(shim);
  return shim;
}

export async function closeAllShims(): Promise<void> {
  await Promise.all([...open].map((s) => s.close()));
}

/** For afterEach: the shims a test left open, then its daemons and folders. */
export async function closeShimsAndCleanup(): Promise<void> {
  await closeAllShims();
  await cleanupAll();
}

/** A daemon and two MCP clients on it, "tool-a" and "tool-b": two connections, two sessions. */
export async function daemonAndTwoShims(
  options: StartOptions = {},
): Promise<{ d: TestDaemon; a: Shim; b: Shim }> {
  const d = await startDaemon(options);
  const a = await spawnShim({ socketPath: d.socketPath, name: 'tool-a' });
  const b = await spawnShim({ socketPath: d.socketPath, name: 'tool-b' });
  return { d, a, b };
}

/**
 * Calls a tool that must succeed (else the test fails with the tool's text); its structured
 * result, typed loosely as dataOf's.
 */
export async function callOk(shim: Shim, tool: string, args: Record<string, unknown>) {
  const r = await shim.call(tool, args);
  expect(r.isError, `${tool}: ${textOf(r)}`).toBeFalsy();
  return dataOf(r);
}

/**
 * Ajv 8 for JSON Schema 2020-12 in strict mode, with the formats (`date-time`, …) that
 * the SDK's own validator knows — the Ajv the SDK itself uses.
 */
function strictAjv(): AjvLike {
  const require = createRequire(import.meta.url);
  const fromSdk = createRequire(require.resolve('@modelcontextprotocol/sdk/validation/ajv'));
  const Ajv2020 = (fromSdk('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
  const addFormats = (fromSdk('ajv-formats') as { default: (ajv: AjvLike) => void }).default;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv;
}

/**
 * Checks a JSON Schema against the 2020-12 meta-schema and compiles it, with Ajv 8 in
 * strict mode. Returns the problems, or [] when valid.
 */
export function jsonSchemaProblems(schema: object): unknown[] {
  const ajv = strictAjv();
  if (!ajv.validateSchema(schema)) return (ajv.errors as unknown[]) ?? ['invalid'];
  try {
    ajv.compile(schema);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** Where `data` does not fit `schema` (strict Ajv, as above); [] when it fits. */
export function schemaMismatches(schema: object, data: unknown): unknown[] {
  const validate = strictAjv().compile(schema);
  return validate(data) ? [] : (validate.errors ?? ['invalid']);
}

interface AjvLike {
  validateSchema(schema: object): boolean;
  compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown[] | null };
  errors?: unknown;
}
