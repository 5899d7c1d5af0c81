import { describe, expect, it } from 'vitest';
import { isSecretKeyName, maskSecret, Redactor } from '../../src/config/secrets.js';
import {
  boundDetails,
  boundEvent,
  MAX_DETAILS_BYTES,
  type Scrubber,
} from '../../src/services/audit/audit-bounds.js';
import { OutputCap } from '../../src/services/agents/output-cap.js';

const redactor = new Redactor();
const scrubber: Scrubber = {
  scrubText: (t) => redactor.scrubText(t),
  isSecretKey: isSecretKeyName,
  mask: maskSecret,
};
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('audit record bounds', () => {
  it('cuts a method name at 200 characters and keeps its length', () => {
    const out = boundDetails({ method: 'm'.repeat(4_000_000), code: 'METHOD_NOT_FOUND' }, scrubber);
    expect(out).toEqual({
      method: 'm'.repeat(200),
      methodLength: 4_000_000,
      code: 'METHOD_NOT_FOUND',
    });
  });

  it('never keeps half a secret from a long string, nor one behind a secret key name', () => {
    const key = `sk-ant-api03-${'A'.repeat(40)}`;
    const out = boundDetails(
      { message: `${'x'.repeat(180)} ${key}${'y'.repeat(10_000)}`, apiKey: key.repeat(1000) },
      scrubber,
    );
    expect(JSON.stringify(out)).not.toContain('AAAAAAAA');
    expect(out.messageLength).toBe(181 + key.length + 10_000);
  });

  it('bounds depth, keys, items and the total size, whatever the shape', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 50; i++) deep = { deep };
    const wide = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`k${i}`, '€'.repeat(399)]),
    );
    const cases: Record<string, unknown>[] = [
      { deep },
      wide,
      { list: Array.from({ length: 100_000 }, (_, i) => i) },
      { [`${'k'.repeat(10_000)}`]: 1 },
      { nested: Array.from({ length: 40 }, () => ({ s: '\u0001'.repeat(400) })) },
    ];
    for (const details of cases) {
      const out = boundDetails(details, scrubber);
      expect(bytes(out)).toBeLessThanOrEqual(MAX_DETAILS_BYTES);
    }
    expect(boundDetails({ deep }, scrubber)).toMatchObject({
      deep: { deep: { deep: { deep: '[nested too deep]' } } },
    });
    expect(boundDetails(wide, scrubber).droppedKeys).toBeGreaterThan(4900);
  });

  it('keeps small details as they are', () => {
    const details = { method: 'memory.get', connection: 3, sessionId: null, ok: true };
    expect(boundDetails(details, scrubber)).toEqual(details);
    expect(boundEvent('access.denied', scrubber)).toBe('access.denied');
    expect(boundEvent('e'.repeat(1000), scrubber)).toHaveLength(100);
  });
});

describe('task output cap', () => {
  it('keeps whole characters up to the cap and says once that it was passed', () => {
    let passed = 0;
    const cap = new OutputCap(5, () => passed++);
    expect(cap.add('ab')).toBe('ab');
    expect(cap.add('cé€')).toBe('cé'); // 'c' 1 + 'é' 2 = 5 bytes; '€' (3) does not fit
    expect(cap.add('more')).toBe('');
    expect(cap.text()).toBe('abcé');
    expect(cap.exceeded).toBe(true);
    expect(passed).toBe(1);
  });
});
