/**
 * Which tools a client sees: those that can work under the daemon's configuration in
 * force (no github_* while GitHub is off, no agent_* / task_* without an LLM provider),
 * narrowed by `--tools` when given. A tool that is not listed cannot be called either.
 */
import type { ToolSpec } from './tools.js';

/** What the daemon's configuration allows now (system.status `features`). */
export interface Features {
  github: boolean;
  providers: boolean;
}

/** The feature a method's tools need, by the method's namespace. */
const NEEDS: Record<string, keyof Features> = {
  github: 'github',
  agent: 'providers',
  task: 'providers',
};

/** A tool's group, as `--tools` names it: memory, session, system, github, agent, task. */
export const groupOf = (tool: ToolSpec): string => tool.name.split('_')[0]!;

/**
 * Parses `--tools a,b,c` (tool names or groups) against the catalogue; throws naming
 * what is unknown and what is valid.
 */
export function parseToolList(
  list: string,
  catalog: ReadonlyMap<string, ToolSpec>,
): ReadonlySet<string> {
  const groups = new Set([...catalog.values()].map(groupOf));
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = items.filter((i) => !catalog.has(i) && !groups.has(i));
  if (!items.length || unknown.length) {
    throw new Error(
      `--tools takes tool names or groups separated by commas (groups: ${[...groups].join(', ')}; tools: ${[...catalog.keys()].join(', ')})${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  }
  const chosen = new Set<string>();
  for (const t of catalog.values()) {
    if (items.includes(t.name) || items.includes(groupOf(t))) chosen.add(t.name);
  }
  return chosen;
}

/**
 * The tools to offer: the chosen ones (all when `only` is unset) whose feature is on.
 * With `features` unknown (the daemon has not answered yet) nothing is held back.
 */
export function visibleTools(
  catalog: ReadonlyMap<string, ToolSpec>,
  features: Features | undefined,
  only: ReadonlySet<string> | undefined,
): Map<string, ToolSpec> {
  const out = new Map<string, ToolSpec>();
  for (const [name, tool] of catalog) {
    if (only && !only.has(name)) continue;
    const need = NEEDS[tool.method.split('.')[0]!];
    if (need && features && !features[need]) continue;
    out.set(name, tool);
  }
  return out;
}

/** Whether two tool maps offer the same names. */
export const sameTools = (a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>) =>
  a.size === b.size && [...a.keys()].every((k) => b.has(k));
