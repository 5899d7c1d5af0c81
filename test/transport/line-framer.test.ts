import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/transport/line-framer.js';

describe('LineFramer', () => {
  it('joins lines split across chunks, strips \\r and skips blank lines', () => {
    const f = new LineFramer(1024);
    expect(f.push(Buffer.from('{"a":1}\r\n{"b"'))).toEqual({ lines: ['{"a":1}'], overflow: false });
    expect(f.push(Buffer.from(':2}\n\n{"c":3}\n'))).toEqual({
      lines: ['{"b":2}', '{"c":3}'],
      overflow: false,
    });
  });

  it('does not split a multi-byte character cut between chunks', () => {
    const f = new LineFramer(1024);
    const bytes = Buffer.from('"日本語"\n');
    expect(f.push(bytes.subarray(0, 3)).lines).toEqual([]);
    expect(f.push(bytes.subarray(3)).lines).toEqual(['"日本語"']);
  });

  it('reports overflow once an unfinished line passes the limit', () => {
    const f = new LineFramer(10);
    expect(f.push(Buffer.from('12345')).overflow).toBe(false);
    expect(f.push(Buffer.from('678901')).overflow).toBe(true);
    const g = new LineFramer(10);
    expect(g.push(Buffer.from('ok\n' + 'x'.repeat(11) + '\n'))).toEqual({
      lines: ['ok'],
      overflow: true,
    });
  });
});
