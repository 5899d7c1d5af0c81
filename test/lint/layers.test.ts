/**
 * The layers rule (scripts/lint-layers.js) as `npm run lint` runs it: through ESLint's
 * Node API with the repository's own config, on probe files placed in each layer, and
 * on the real source tree.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/daemon.js';

const eslint = new ESLint({ cwd: ROOT });

/** The aistack/layers messages for `code` as if it were the file at `filePath`. */
async function layerMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'aistack/layers').map((m) => m.message);
}

describe('the layers lint rule', () => {
  it('refuses a store module that imports a service', async () => {
    const messages = await layerMessages(
      "import { MemoryService } from '../services/memory/memory.js';\nexport { MemoryService };\n",
      'src/store/probe.ts',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/'store' may not import from 'services'/);
  });

  it('refuses a service that imports rpc, and rpc that imports the transport', async () => {
    expect(
      await layerMessages(
        "import type { Handler } from '../../rpc/handler.js';\nexport type H = Handler<'system.ping'>;\n",
        'src/services/memory/probe.ts',
      ),
    ).toEqual([expect.stringMatching(/'services' may not import from 'rpc'/)]);
    expect(
      await layerMessages(
        "import { LineFramer } from '../transport/line-framer.js';\nexport { LineFramer };\n",
        'src/rpc/probe.ts',
      ),
    ).toEqual([expect.stringMatching(/'rpc' may not import from 'transport'/)]);
  });

  it('refuses a client that imports the store, however the path is spelled', async () => {
    expect(
      await layerMessages(
        "export type { Entry } from '../../clients/../store/memory/memory-store.js';\n",
        'src/clients/mcp/probe.ts',
      ),
    ).toEqual([expect.stringMatching(/'clients' may not import from 'store'/)]);
  });

  it('allows the named exception and imports that follow the flow', async () => {
    expect(
      await layerMessages(
        "import { runDaemon } from '../../daemon/main.js';\nexport { runDaemon };\n",
        'src/clients/cli/daemon-commands.ts',
      ),
    ).toEqual([]);
    expect(
      await layerMessages(
        "import { MemoryStore } from '../../store/memory/memory-store.js';\nexport { MemoryStore };\n",
        'src/services/memory/probe.ts',
      ),
    ).toEqual([]);
  });

  it('finds no wrong-way import in the source tree', async () => {
    const results = await eslint.lintFiles(['src']);
    const wrong = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'aistack/layers')
        .map((m) => `${r.filePath}:${m.line}: ${m.message}`),
    );
    expect(wrong).toEqual([]);
  }, 120_000);
});
