import { describe, expect, it } from 'vitest';
import { Redactor, maskSecret } from '../../src/config/secrets.js';

describe('secret scrubbing', () => {
  const r = new Redactor();

  it('masks Anthropic, OpenAI, GitHub and session-token shapes anywhere in text', () => {
    const text =
      'a sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA9f3c b sk-proj-BBBBBBBBBBBBBBBBBBBBBBBB1234 c ghp_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC5678 d ast_DDDDDDDDDDDDDDDDDDDDDDDDabcd';
    const out = r.scrubText(text);
    expect(out).toBe('a sk-ant-…9f3c b sk-proj-…1234 c ghp_…5678 d ast_…abcd');
  });

  it('masks bearer headers and registered literals with no known shape', () => {
    const custom = new Redactor();
    custom.addSecret('hunter2-but-longer');
    expect(custom.scrubText('Authorization: Bearer abc.def.ghi-123 pw=hunter2-but-longer')).toBe(
      'Authorization: Bearer … pw=…nger',
    );
  });

  it('masks secret-named fields in nested objects whatever their value', () => {
    const out = r.scrub({
      providers: { x: { apiKey: 'plainvalue123456' } },
      sessionToken: 'tok-123456789012',
      ok: 1,
    });
    expect(out).toEqual({ providers: { x: { apiKey: '…3456' } }, sessionToken: '…9012', ok: 1 });
  });

  it('never shows more than a prefix and four characters', () => {
    expect(maskSecret('sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx9f3c')).toBe('sk-ant-…9f3c');
    expect(maskSecret('short')).toBe('…');
  });
});
