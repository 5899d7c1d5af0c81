import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_AUDIT,
  ERROR_DESCRIPTIONS,
  ERROR_NUMBERS,
  type ErrorCode,
} from '../src/protocol/error-codes.js';
import { ERROR_HTTP_STATUS } from '../src/protocol/http-status.js';

const AUDITED = { dispatch: 'yes', access: 'yes, with details', no: 'no' } as const;

describe('README', () => {
  it('prints the error-code table exactly as protocol/error-codes.ts defines it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, number] of Object.entries(ERROR_NUMBERS) as [ErrorCode, number][]) {
      const row = `| ${code} | ${number} | ${AUDITED[ERROR_AUDIT[code]]} | ${ERROR_DESCRIPTIONS[code]} |`;
      expect(readme, row).toContain(row);
    }
  });

  it('prints each error code’s HTTP status as protocol/http-status.ts maps it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, status] of Object.entries(ERROR_HTTP_STATUS)) {
      expect(readme).toContain(`| ${code} | ${status} |`);
    }
  });
});
