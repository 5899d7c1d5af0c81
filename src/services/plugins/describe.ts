/**
 * One line of `aistack plugin list`: a plugin's state and why, from what is on disk
 * (inspection), what the user approved, and what is running. The state answers "what
 * is this plugin doing now, and what would a reload do with it". And what `plugin
 * inspect` shows a person before approving: manifest, files, hash, earlier approval.
 */
import type { ApprovalRow } from '../../store/plugins/plugin-store.js';
import type { Inspection } from './inspect.js';
import type { PluginState } from '../../protocol/plugin.js';
import {
  pluginAgentTypeName,
  pluginMethodName,
  type Manifest,
} from '../../protocol/plugin-manifest.js';

export interface PluginInfo {
  name: string;
  version: string | null;
  description: string | null;
  state: PluginState;
  reason: string | null;
  /** The content hash on disk now (null when the folder cannot be hashed). */
  hash: string | null;
  approvedHash: string | null;
  approvedAt: string | null;
  methods: string[];
  agentTypes: { name: string; description: string; capabilities: string[] }[];
}

interface Running {
  state: 'loaded' | 'failed';
  reason: string | null;
  manifest: Manifest;
  hash: string;
}

export function describePlugin(
  name: string,
  seen: Inspection | undefined,
  approval: ApprovalRow | undefined,
  running: Running | undefined,
  enabled: boolean,
): PluginInfo {
  const manifest = running?.manifest ?? (seen?.ok ? seen.manifest : undefined);
  const base = {
    name,
    version: manifest?.version ?? null,
    description: manifest?.description ?? null,
    hash: seen?.hash ?? null,
    approvedHash: approval?.hash ?? null,
    approvedAt: approval ? new Date(approval.approved_at).toISOString() : null,
    methods: manifest?.methods.map((m) => pluginMethodName(name, m.name)) ?? [],
    agentTypes:
      manifest?.agentTypes.map((t) => ({
        name: pluginAgentTypeName(name, t.name),
        description: t.description,
        capabilities: t.capabilities,
      })) ?? [],
  };
  if (running) {
    const drift =
      seen?.hash !== running.hash
        ? 'its files changed on disk since it was loaded; it keeps running its approved copy, and a reload will refuse it until it is approved again'
        : null;
    const reason = [running.reason, drift].filter(Boolean).join('; ') || null;
    return { ...base, state: running.state, reason };
  }
  if (!seen) return { ...base, state: 'refused', reason: 'the plugin folder is gone' };
  if (!seen.ok) return { ...base, state: 'refused', reason: `${seen.reason}: ${seen.message}` };
  if (!approval)
    return {
      ...base,
      state: 'refused',
      reason: `not-approved: review and approve it with aistack plugin approve ${name}`,
    };
  if (approval.hash !== seen.hash)
    return {
      ...base,
      state: 'changed',
      reason: `its files changed since approval; review and approve it again with aistack plugin approve ${name}`,
    };
  return {
    ...base,
    state: 'approved',
    reason: enabled
      ? `approved but not loaded; run aistack plugin reload ${name}`
      : 'plugins are off (plugins.enabled: false)',
  };
}

/** A plugin folder as shown for review, with the approval on record (if any). */
export function describeReview(seen: Extract<Inspection, { ok: true }>, approval?: ApprovalRow) {
  return {
    name: seen.name,
    manifest: seen.manifest,
    hash: seen.hash,
    files: seen.files,
    approved: approval
      ? {
          hash: approval.hash,
          approvedAt: new Date(approval.approved_at).toISOString(),
          matches: approval.hash === seen.hash,
        }
      : null,
  };
}
