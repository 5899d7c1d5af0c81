/** Reading a whole namespace back (through `memory.export` pages), and files' modes. */
import { statSync } from 'node:fs';
import type { AistackClient } from '../../src/clients/client.js';

/** Every entry of `namespace` as key → content. */
export async function namespaceContents(
  client: AistackClient,
  namespace: string,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let cursor: number | undefined;
  for (;;) {
    const page = await client.call('memory.export', {
      namespace,
      limit: 5000,
      ...(cursor !== undefined && { cursor }),
    });
    for (const e of page.entries) found.set(e.key, e.content);
    if (page.cursor === null) return found;
    cursor = page.cursor;
  }
}

export const fileMode = (path: string) => statSync(path).mode & 0o777;
