/**
 * The running plugins: for each, its sandboxed process (process.ts), its state (loaded
 * or failed, and why) and the methods it registered in the daemon's method table.
 * The manager decides *whether* a plugin may run; this module runs it, records what
 * became of it, and routes calls to it.
 *
 * A failed plugin keeps its methods registered so that callers get a clear "failed:
 * why; reload it" error instead of "no such method".
 */
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import type { PluginEventKind } from '../../store/plugins/plugin-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { PluginState } from '../../protocol/plugin.js';
import type { Inspection } from './inspect.js';
import {
  pluginAgentTypeName,
  pluginMethodName,
  type Manifest,
} from '../../protocol/plugin-manifest.js';
import { PluginProcess, type FailureKind } from './process.js';
import type { ProcessLedger } from './process-ledger.js';

export interface PluginsConfig {
  enabled: boolean;
  callTimeoutMs: number;
  maxMessageBytes: number;
}

export interface PluginMethodSpec {
  /** `plugin.<plugin>.<method>` */
  name: string;
  plugin: string;
  method: string;
  description: string;
}

/** Where plugin methods are added to and removed from the daemon's method table. */
export interface MethodRegistry {
  add(spec: PluginMethodSpec): void;
  remove(name: string): void;
}

export interface PluginAgentType {
  name: string;
  description: string;
  systemPrompt: string;
  capabilities: string[];
  plugin: string;
}

/** What loading a plugin came to. */
export interface Outcome {
  state: PluginState;
  reason: string | null;
}

export interface Running {
  state: 'loaded' | 'failed';
  reason: string | null;
  manifest: Manifest;
  hash: string;
  process: PluginProcess;
  methods: string[];
}

export interface PluginRuntimeOptions {
  audit: AuditSink;
  logger: Logger;
  config: () => PluginsConfig;
  registry: MethodRegistry;
  /** Writes one row of the plugin registry table. */
  note(plugin: string, event: PluginEventKind, reason: string | null, hash: string | null): void;
  hostScript?: string;
  ledger?: ProcessLedger;
}

const SHUTTING_DOWN: Outcome = { state: 'failed', reason: 'the daemon is shutting down' };

export class PluginRuntime {
  private readonly running = new Map<string, Running>();
  /** Processes still loading, so that a shutdown mid-start stops them too. */
  private readonly starting = new Set<PluginProcess>();
  private stopped = false;

  constructor(private readonly options: PluginRuntimeOptions) {}

  get(name: string): Running | undefined {
    return this.running.get(name);
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Starts an approved, inspected plugin and registers its methods. */
  async run(seen: Extract<Inspection, { ok: true }>): Promise<Outcome> {
    if (this.stopped) return SHUTTING_DOWN;
    const { name, manifest, hash } = seen;
    const { config, logger, hostScript, ledger } = this.options;
    let rt: Running | undefined;
    const proc = new PluginProcess({
      name,
      dir: seen.dir,
      entry: `${seen.dir}/${manifest.entry}`,
      callTimeoutMs: () => config().callTimeoutMs,
      maxMessageBytes: config().maxMessageBytes,
      logger,
      ...(hostScript && { hostScript }),
      ...(ledger && { ledger }),
      onDenied: (what) => {
        this.options.audit.record('plugin.denied', { plugin: name, what });
        logger.warn({ plugin: name, what }, `plugin ${name} was refused ${what}`);
      },
      onFailure: (kind, message) => {
        // Only the current process reports; a failure while starting is reported below.
        if (rt && this.running.get(name) === rt) this.failed(rt, name, kind, message);
      },
    });
    let exported: string[];
    this.starting.add(proc);
    try {
      exported = await proc.start();
    } catch (err) {
      if (this.stopped) return SHUTTING_DOWN;
      rt = this.register(name, manifest, hash, proc);
      return this.failed(rt, name, 'load-error', (err as Error).message);
    } finally {
      this.starting.delete(proc);
    }
    if (this.stopped) {
      proc.stop('was stopped: the daemon is shutting down');
      return SHUTTING_DOWN;
    }
    rt = this.register(name, manifest, hash, proc);
    const missing = manifest.methods.filter((m) => !exported.includes(m.name)).map((m) => m.name);
    if (missing.length > 0) {
      proc.stop('was stopped: its entry does not export every declared method');
      return this.failed(rt, name, 'load-error', `its entry does not export ${missing.join(', ')}`);
    }
    rt.state = 'loaded';
    this.options.note(name, 'loaded', null, hash);
    this.options.audit.record('plugin.loaded', {
      plugin: name,
      version: manifest.version,
      hash,
      methods: rt.methods,
      agentTypes: manifest.agentTypes.map((t) => t.name),
    });
    logger.info({ plugin: name, version: manifest.version }, `plugin ${name} loaded`);
    return { state: 'loaded', reason: null };
  }

  /** Stops a plugin and removes its methods; not recorded as a failure. */
  unload(name: string, why: string): void {
    const rt = this.running.get(name);
    if (!rt) return;
    this.running.delete(name);
    rt.process.stop(why);
    for (const m of rt.methods) this.options.registry.remove(m);
  }

  /** Stops everything (daemon shutdown); nothing starts afterwards. */
  stopAll(): void {
    this.stopped = true;
    for (const proc of this.starting) proc.stop('was stopped: the daemon is shutting down');
    for (const name of this.names()) this.unload(name, 'was stopped: the daemon is shutting down');
  }

  call(plugin: string, method: string, params: Record<string, unknown>, sessionId: string | null) {
    const rt = this.running.get(plugin);
    if (!rt) throw new AppError('NOT_FOUND', `plugin ${plugin} is not loaded`, { plugin });
    if (rt.state === 'failed')
      throw new AppError(
        'PROVIDER_FAILURE',
        `plugin ${plugin} failed: ${rt.reason}; run aistack plugin reload ${plugin}`,
        { plugin, state: 'failed' },
      );
    return rt.process.call(method, params, { sessionId });
  }

  agentTypes(): PluginAgentType[] {
    // Sorted by plugin, so that if two plugins produce one name the same one wins each time.
    return [...this.running]
      .filter(([, rt]) => rt.state === 'loaded')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .flatMap(([plugin, rt]) =>
        rt.manifest.agentTypes.map((t) => ({
          name: pluginAgentTypeName(plugin, t.name),
          description: t.description,
          systemPrompt: t.systemPrompt,
          capabilities: [...t.capabilities],
          plugin,
        })),
      );
  }

  private register(name: string, manifest: Manifest, hash: string, proc: PluginProcess): Running {
    const methods = manifest.methods.map((m) => pluginMethodName(name, m.name));
    const rt: Running = { state: 'failed', reason: null, manifest, hash, process: proc, methods };
    this.running.set(name, rt);
    manifest.methods.forEach((m, i) =>
      this.options.registry.add({
        name: methods[i]!,
        plugin: name,
        method: m.name,
        description: m.description,
      }),
    );
    return rt;
  }

  private failed(rt: Running, name: string, kind: FailureKind, message: string): Outcome {
    rt.state = 'failed';
    rt.reason = message;
    this.options.note(name, 'failed', `${kind}: ${message}`, rt.hash);
    this.options.audit.record('plugin.failed', { plugin: name, kind, reason: message });
    return { state: 'failed', reason: message };
  }
}
