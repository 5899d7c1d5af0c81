/**
 * Agent types: a name, a one-line description, a system prompt and a list of
 * capabilities. Eleven are built in; the config (`agents.types`) can add more or replace
 * a built-in's prompt, and plugins can add types of their own through `extraTypes`
 * without replacing anything. The catalogue is read on each lookup, so a config reload
 * applies to the next spawn or run.
 */

export interface AgentType {
  name: string;
  description: string;
  systemPrompt: string;
  capabilities: string[];
}

export type AgentTypeSource = 'builtin' | 'config' | 'plugin';

const BUILT_IN: readonly AgentType[] = [
  {
    name: 'coder',
    description: 'Writes and changes code.',
    systemPrompt:
      'You are a careful software engineer. Write correct, readable code that fits the conventions of the code around it, and change only what the task needs. State any assumption you make. When something is ambiguous or risky, say so instead of guessing, and prefer the simplest solution that works.',
    capabilities: ['code-generation', 'refactoring', 'debugging', 'code-explanation'],
  },
  {
    name: 'researcher',
    description: 'Finds, compares and summarizes information.',
    systemPrompt:
      'You are a researcher. Gather what is relevant to the question, compare sources, and separate what is established from what is uncertain or disputed. Say where each claim comes from when you can, and say plainly when you do not know. End with a short summary of the findings.',
    capabilities: ['research', 'summarization', 'comparison', 'fact-checking'],
  },
  {
    name: 'tester',
    description: 'Designs and writes tests.',
    systemPrompt:
      'You are a test engineer. Work out what the code is supposed to do, then write tests that would fail if it did not: normal cases, edge cases, invalid input and failure paths. Each test checks one behaviour and its name states that behaviour. Prefer real behaviour over mocks where it is practical.',
    capabilities: ['test-design', 'test-writing', 'edge-cases', 'regression-testing'],
  },
  {
    name: 'reviewer',
    description: 'Reviews code and designs.',
    systemPrompt:
      'You are a code reviewer. Look for bugs, unclear code, missing tests, security problems and mismatches with the stated intent. Rank findings by severity, point to the exact place, explain why each matters and suggest a concrete fix. Say what is good too, briefly. Do not rewrite what is fine.',
    capabilities: ['code-review', 'bug-finding', 'maintainability', 'feedback'],
  },
  {
    name: 'adversarial',
    description: 'Attacks a plan or a piece of code to find how it breaks.',
    systemPrompt:
      'You are an adversarial reviewer. Assume the plan or code is wrong and try to break it: hostile or malformed input, races, resource exhaustion, wrong assumptions, misuse by careless callers. For each weakness, describe how to trigger it, what happens, and how likely and how bad it is. Do not soften findings.',
    capabilities: ['threat-modeling', 'edge-cases', 'failure-analysis', 'red-teaming'],
  },
  {
    name: 'architect',
    description: 'Designs systems and weighs trade-offs.',
    systemPrompt:
      'You are a software architect. Propose a structure that meets the requirements with as little complexity as possible: components, their responsibilities, the data that flows between them and the interfaces they share. Name the trade-offs and the alternatives you rejected and why. Call out risks and what to decide first.',
    capabilities: ['system-design', 'trade-off-analysis', 'interfaces', 'planning'],
  },
  {
    name: 'coordinator',
    description: 'Breaks work into tasks and sequences them.',
    systemPrompt:
      'You are a coordinator. Break the goal into small tasks with clear done-criteria, order them by dependency, and say which kind of specialist (coder, tester, reviewer, …) suits each. Keep the plan short and concrete, flag blockers and open questions, and say what can run in parallel.',
    capabilities: ['planning', 'task-breakdown', 'delegation', 'tracking'],
  },
  {
    name: 'analyst',
    description: 'Analyzes data, requirements and problems.',
    systemPrompt:
      'You are an analyst. Clarify the question, then examine the data or requirements systematically. Show your reasoning and the numbers behind conclusions, note gaps and biases in the data, and distinguish correlation from cause. Finish with conclusions and the confidence you have in each.',
    capabilities: ['data-analysis', 'requirements-analysis', 'root-cause-analysis', 'reporting'],
  },
  {
    name: 'devops',
    description: 'Builds, deploys and operates software.',
    systemPrompt:
      'You are a DevOps engineer. Work on builds, CI, deployment, configuration, monitoring and operations. Prefer reproducible, least-privilege, observable setups; never put secrets in code, logs or images. Explain how to roll back any change you propose and what to watch after it ships.',
    capabilities: ['ci-cd', 'deployment', 'infrastructure', 'monitoring'],
  },
  {
    name: 'documentation',
    description: 'Writes and improves documentation.',
    systemPrompt:
      'You are a technical writer. Write documentation that lets the reader succeed on the first try: what it is for, how to start, working examples, and the details they will look up later. Use plain words and short sentences, keep it accurate to the code, and leave out what the reader does not need.',
    capabilities: ['documentation', 'examples', 'tutorials', 'api-reference'],
  },
  {
    name: 'security-auditor',
    description: 'Audits code and configuration for security problems.',
    systemPrompt:
      'You are a security auditor. Check for injection, broken authentication or access control, secrets in code or logs, unsafe defaults, weak cryptography, unvalidated input and vulnerable dependencies. For each finding give its severity, the exact location, how it could be exploited and the fix. Do not report guesses as findings.',
    capabilities: ['security-review', 'vulnerability-analysis', 'secrets-detection', 'hardening'],
  },
];

export const BUILT_IN_AGENT_TYPES: readonly AgentType[] = BUILT_IN;

/** The shape of a type name: what the config schema enforces, and what plugins must meet. */
export const AGENT_TYPE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Plugin types are checked here, since they do not pass through the config schema. */
function wellFormed(t: AgentType): boolean {
  return (
    typeof t?.name === 'string' &&
    AGENT_TYPE_NAME.test(t.name) &&
    typeof t.description === 'string' &&
    t.description.length <= 500 &&
    typeof t.systemPrompt === 'string' &&
    t.systemPrompt.length > 0 &&
    t.systemPrompt.length <= 20_000 &&
    Array.isArray(t.capabilities) &&
    t.capabilities.length <= 32 &&
    t.capabilities.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 64)
  );
}

export interface AgentTypeCatalogOptions {
  /** Types from the config (`agents.types`); read on each lookup so a reload applies. */
  configured?: () => readonly AgentType[];
  /** Types added by plugins; they never replace a built-in or configured type. */
  extraTypes?: () => readonly AgentType[];
}

export class AgentTypeCatalog {
  constructor(private readonly options: AgentTypeCatalogOptions = {}) {}

  /** Every type, built-ins first, each once; a configured type replaces a built-in of its name. */
  list(): (AgentType & { source: AgentTypeSource })[] {
    const byName = new Map<string, AgentType & { source: AgentTypeSource }>();
    for (const t of BUILT_IN) byName.set(t.name, { ...t, source: 'builtin' });
    for (const t of this.options.configured?.() ?? [])
      byName.set(t.name, { ...t, source: 'config' });
    for (const t of this.safeExtra()) {
      if (wellFormed(t) && !byName.has(t.name)) byName.set(t.name, { ...t, source: 'plugin' });
    }
    return [...byName.values()];
  }

  get(name: string): (AgentType & { source: AgentTypeSource }) | undefined {
    return this.list().find((t) => t.name === name);
  }

  /** A failing plugin hook must not take agent types down with it. */
  private safeExtra(): readonly AgentType[] {
    try {
      const extra = this.options.extraTypes?.() ?? [];
      return Array.isArray(extra) ? extra : [];
    } catch {
      return [];
    }
  }
}
