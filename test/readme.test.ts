import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_NUMBERS as ERROR_CODES, ERROR_DESCRIPTIONS } from '../src/protocol/error-codes.js';

describe('README', () => {
  it('prints the error-code table exactly as the catalogue defines it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, number] of Object.entries(ERROR_CODES)) {
      const row = `| ${code} | ${number} | ${ERROR_DESCRIPTIONS[code as keyof typeof ERROR_CODES]} |`;
      expect(readme, row).toContain(row);
    }
  });
});
