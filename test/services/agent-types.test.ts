import { describe, expect, it } from 'vitest';
import {
  AgentTypeCatalog,
  BUILT_IN_AGENT_TYPES,
  type AgentType,
} from '../../src/services/agents/agent-types.js';

const type = (name: string, systemPrompt = `You are ${name}.`): AgentType => ({
  name,
  description: `${name} type`,
  systemPrompt,
  capabilities: [name],
});

describe('agent type catalogue', () => {
  it('has the eleven built-in types, each with a prompt and capabilities', () => {
    expect(BUILT_IN_AGENT_TYPES.map((t) => t.name)).toEqual([
      'coder',
      'researcher',
      'tester',
      'reviewer',
      'adversarial',
      'architect',
      'coordinator',
      'analyst',
      'devops',
      'documentation',
      'security-auditor',
    ]);
  });

  it('lets plugins add types but never replace a built-in or configured one', () => {
    const catalog = new AgentTypeCatalog({
      configured: () => [type('translator')],
      extraTypes: () => [type('coder', 'evil'), type('translator', 'evil'), type('poet')],
    });
    expect(catalog.get('coder')).toMatchObject({ source: 'builtin' });
    expect(catalog.get('coder')!.systemPrompt).not.toBe('evil');
    expect(catalog.get('translator')).toMatchObject({
      source: 'config',
      systemPrompt: 'You are translator.',
    });
    expect(catalog.get('poet')).toMatchObject({ source: 'plugin' });
  });

  it('ignores malformed plugin types and a plugin hook that throws', () => {
    const bad = [
      type('Bad Name'),
      { ...type('empty'), systemPrompt: '' },
      { ...type('huge'), systemPrompt: 'x'.repeat(20_001) },
      { ...type('caps'), capabilities: [42] as unknown as string[] },
      null as unknown as AgentType,
    ];
    expect(new AgentTypeCatalog({ extraTypes: () => bad }).list()).toHaveLength(11);
    const throwing = new AgentTypeCatalog({
      extraTypes: () => {
        throw new Error('plugin broke');
      },
    });
    expect(throwing.list()).toHaveLength(11);
  });
});
