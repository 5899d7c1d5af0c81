/**
 * The plugin manager: decides which plugins may run and answers the `plugin.*` admin
 * methods. A plugin loads only when plugins are enabled, its folder and manifest pass
 * inspection (inspect.ts), and its content hash equals the hash the user approved;
 * anything else is refused. What runs is a private copy of the approved content
 * (approved-copy.ts), never the folder itself. Running it, in its own sandboxed
 * process, is runtime.ts's job. Every load, refusal and failure is audited and written
 * to the registry table.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import { PluginStore, type PluginEventKind } from '../../store/plugins/plugin-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { approvedCopy, approvedPluginsRoot, removeApprovedCopies } from './approved-copy.js';
import { describePlugin, describeReview, type PluginInfo } from './describe.js';
import { inspectPlugin, pluginFolderNames, pluginsDirectory } from './inspect.js';
import { KeyedQueue } from './keyed-queue.js';
import { ProcessLedger } from './process-ledger.js';
import {
  PluginRuntime,
  type MethodRegistry,
  type Outcome,
  type PluginAgentType,
  type PluginsConfig,
} from './runtime.js';

export type {
  MethodRegistry,
  PluginAgentType,
  PluginMethodSpec,
  PluginsConfig,
} from './runtime.js';

export interface PluginManagerOptions {
  db: Database.Database;
  audit: AuditSink;
  logger: Logger;
  /** The plugins section; the call timeout is read at each call. */
  config: () => PluginsConfig;
  /** The plugins directory (config `plugins.dir`, default `<dataDir>/plugins`). */
  dir: string;
  /** The daemon's data dir: the private copies plugins run from, and the ledger of their processes. */
  dataDir: string;
  registry: MethodRegistry;
  now?: () => number;
  hostScript?: string;
}

const INSECURE_DIR: Outcome = {
  state: 'refused',
  reason: 'insecure-dir: the plugins directory is not safe to load from (see the daemon log)',
};

export class PluginManager {
  readonly store: PluginStore;
  private readonly enabled: boolean;
  private readonly runtime: PluginRuntime;
  private readonly ledger: ProcessLedger;
  /** Where the private copies of approved plugins are kept. */
  private readonly copies: string;
  private readonly queue = new KeyedQueue();
  private readonly now: () => number;

  constructor(private readonly options: PluginManagerOptions) {
    this.store = new PluginStore(options.db);
    // On or off for the life of the daemon; `plugins.enabled` needs a restart.
    this.enabled = options.config().enabled;
    this.now = options.now ?? Date.now;
    this.copies = approvedPluginsRoot(options.dataDir);
    this.ledger = new ProcessLedger(options);
    this.runtime = new PluginRuntime({
      audit: options.audit,
      logger: options.logger,
      config: options.config,
      registry: options.registry,
      note: (plugin, event, reason, hash) => this.note(plugin, event, reason, hash),
      ...(options.hostScript && { hostScript: options.hostScript }),
      ledger: this.ledger,
    });
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** Loads every approved plugin (when enabled). Never throws: a bad plugin is refused or failed, not fatal. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    const dir = this.directory(true);
    if (!dir) return;
    await Promise.all(
      pluginFolderNames(dir).map((name) => this.queue.run(name, () => this.load(dir, name))),
    );
  }

  /** Kills plugin processes an earlier daemon left running (process-ledger.ts); at daemon start. */
  reapLeftovers(): void {
    this.ledger.reap();
  }

  /** Stops every plugin process (daemon shutdown); not recorded as a failure. */
  stop(): void {
    this.runtime.stopAll();
  }

  /** Each plugin on disk or running, with its state and why. */
  async list() {
    const dir = this.directory(false, false);
    const names = new Set([...(dir ? pluginFolderNames(dir) : []), ...this.runtime.names()]);
    const plugins: PluginInfo[] = [];
    for (const name of [...names].sort()) {
      const seen = dir ? await inspectPlugin(dir, name) : undefined;
      plugins.push(
        describePlugin(name, seen, this.store.approval(name), this.runtime.get(name), this.enabled),
      );
    }
    return { enabled: this.enabled, dir: this.options.dir, plugins };
  }

  /** The manifest and hash of a plugin folder, for a person to review before approving. */
  async inspect(name: string) {
    return describeReview(await this.inspectOrThrow(name), this.store.approval(name));
  }

  /** Approves exactly the content the user reviewed (`hash`), then loads it when enabled. */
  approve(name: string, hash: string) {
    return this.queue.run(name, async () => {
      const seen = await this.inspectOrThrow(name);
      if (seen.hash !== hash) {
        this.refused(
          name,
          'hash-mismatch',
          'the files changed since they were reviewed',
          seen.hash,
        );
        throw new AppError(
          'CONFLICT',
          `plugin ${name} changed since it was reviewed (its hash is now ${seen.hash}); review it again`,
          { plugin: name, hash: seen.hash },
        );
      }
      const at = this.now();
      this.store.approve({ name, hash, manifest: JSON.stringify(seen.manifest), approved_at: at });
      this.note(name, 'approved', null, hash);
      this.options.audit.record('plugin.approved', {
        plugin: name,
        version: seen.manifest.version,
        hash,
      });
      let outcome: Outcome = {
        state: 'approved',
        reason: 'plugins are off (plugins.enabled: false)',
      };
      if (this.enabled) {
        this.runtime.unload(name, 'was stopped: a new version was approved');
        const dir = this.directory(false);
        outcome = dir ? await this.load(dir, name) : INSECURE_DIR;
      }
      return { name, hash, approvedAt: new Date(at).toISOString(), ...outcome };
    });
  }

  /** Withdraws approval and stops the plugin; its methods disappear. */
  revoke(name: string) {
    return this.queue.run(name, async () => {
      if (!this.store.revoke(name))
        throw new AppError('NOT_FOUND', `plugin ${name} is not approved`, { plugin: name });
      this.runtime.unload(name, 'was stopped: its approval was revoked');
      await removeApprovedCopies(this.copies, name);
      this.note(name, 'revoked', null, null);
      this.options.audit.record('plugin.revoked', { plugin: name });
      return { name, revoked: true as const };
    });
  }

  /** Stops and re-checks one plugin (or all), loading what is approved and unchanged. */
  async reload(name?: string) {
    if (!this.enabled)
      throw new AppError(
        'FEATURE_DISABLED',
        'plugins are off; set plugins.enabled: true in the config and restart',
      );
    const dir = this.directory(true);
    const onDisk = dir ? pluginFolderNames(dir) : [];
    if (name !== undefined && !onDisk.includes(name) && !this.runtime.get(name))
      throw new AppError('NOT_FOUND', `plugin ${name} not found in the plugins directory`, {
        plugin: name,
      });
    const names = name !== undefined ? [name] : [...new Set([...this.runtime.names(), ...onDisk])];
    const results = await Promise.all(
      names.map((n) =>
        this.queue.run(n, async () => {
          this.runtime.unload(n, 'was stopped for a reload');
          return { name: n, ...(dir ? await this.load(dir, n) : INSECURE_DIR) };
        }),
      ),
    );
    return { plugins: results };
  }

  /** Calls a plugin method on behalf of a client. */
  call(plugin: string, method: string, params: Record<string, unknown>, sessionId: string | null) {
    return this.runtime.call(plugin, method, params, sessionId);
  }

  /** Agent types offered by loaded plugins, named `<plugin>-<type>`. */
  agentTypes(): PluginAgentType[] {
    return this.runtime.agentTypes();
  }

  /** The registry, newest first. */
  events(plugin: string | undefined, limit: number) {
    return this.store.events(plugin, limit).map((e) => ({
      at: new Date(e.at).toISOString(),
      plugin: e.plugin,
      event: e.event,
      reason: e.reason,
      hash: e.hash,
    }));
  }

  private async load(dir: string, name: string): Promise<Outcome> {
    if (this.runtime.isStopped) return { state: 'failed', reason: 'the daemon is shutting down' };
    const seen = await inspectPlugin(dir, name);
    if (!seen.ok) return this.refused(name, seen.reason, seen.message, seen.hash ?? null);
    const approval = this.store.approval(name);
    if (!approval)
      return this.refused(
        name,
        'not-approved',
        'not approved (run aistack plugin approve)',
        seen.hash,
      );
    if (approval.hash !== seen.hash)
      return this.refused(
        name,
        'changed',
        `its files changed since approval (approved ${approval.hash.slice(0, 12)}…, now ${seen.hash.slice(0, 12)}…)`,
        seen.hash,
      );
    const copy = await approvedCopy(this.copies, name, seen.dir, seen.files, approval.hash);
    if (!copy.ok) return this.refused(name, copy.reason, copy.message, seen.hash);
    return this.runtime.run({ ...seen, dir: copy.dir });
  }

  private refused(name: string, reason: string, message: string, hash: string | null): Outcome {
    this.note(name, 'refused', `${reason}: ${message}`, hash);
    this.options.audit.record('plugin.refused', { plugin: name, reason, message });
    this.options.logger.warn({ plugin: name, reason }, `plugin ${name} refused: ${message}`);
    return { state: reason === 'changed' ? 'changed' : 'refused', reason: `${reason}: ${message}` };
  }

  private note(
    plugin: string,
    event: PluginEventKind,
    reason: string | null,
    hash: string | null,
  ): void {
    this.store.record({ at: this.now(), plugin, event, reason, hash });
  }

  private async inspectOrThrow(name: string) {
    const dir = this.directory(false);
    if (!dir || !pluginFolderNames(dir).includes(name))
      throw new AppError('NOT_FOUND', `plugin ${name} not found in the plugins directory`, {
        plugin: name,
      });
    const seen = await inspectPlugin(dir, name);
    if (!seen.ok) {
      this.refused(name, seen.reason, seen.message, seen.hash ?? null);
      throw new AppError('CONFLICT', `plugin ${name} cannot be approved: ${seen.message}`, {
        plugin: name,
        reason: seen.reason,
      });
    }
    return seen;
  }

  /** The plugins directory's real path, or undefined (refusal audited) when it is unsafe. */
  private directory(create: boolean, audit = true): string | undefined {
    const d = pluginsDirectory(this.options.dir, create);
    if (d.ok) return d.path;
    if (!audit) return undefined;
    this.options.audit.record('plugin.refused', {
      plugin: '*',
      reason: 'insecure-dir',
      message: d.message,
    });
    this.options.logger.warn({ dir: this.options.dir }, `plugins not loaded: ${d.message}`);
    return undefined;
  }
}
