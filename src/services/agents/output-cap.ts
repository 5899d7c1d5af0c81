/**
 * The cap on a task run's output (`tasks.maxOutputBytes`). A provider can stream without
 * end; the run keeps text up to the cap (cut on a character boundary), and the moment a
 * delta would pass it, says so once so the run can abort the provider call. The daemon's
 * memory for a run's output therefore stays near the cap, whatever the provider sends.
 */

import { AppError } from '../../core/errors.js';

/** The error a run gets when its output passed the cap; its message is also the task's error. */
export function outputLimitError(taskId: string, provider: string, maxBytes: number): AppError {
  return new AppError(
    'PROVIDER_FAILURE',
    `task ${taskId}: output passed tasks.maxOutputBytes (${maxBytes} bytes); the call to ${provider} was stopped and the first ${maxBytes} bytes are kept`,
    { taskId, provider, reason: 'output_limit', maxOutputBytes: maxBytes },
  );
}

export class OutputCap {
  private readonly parts: string[] = [];
  private bytes = 0;
  private passed = false;

  constructor(
    readonly maxBytes: number,
    private readonly onPassed: () => void,
  ) {}

  /** Takes one delta; returns the part of it that is kept ('' once the cap was passed). */
  add(delta: string): string {
    if (this.passed) return '';
    const size = Buffer.byteLength(delta, 'utf8');
    if (this.bytes + size <= this.maxBytes) {
      this.parts.push(delta);
      this.bytes += size;
      return delta;
    }
    const kept = prefixWithin(delta, this.maxBytes - this.bytes);
    if (kept) this.parts.push(kept);
    this.bytes += Buffer.byteLength(kept, 'utf8');
    this.passed = true;
    this.onPassed();
    return kept;
  }

  /** True once the provider sent more than the cap. */
  get exceeded(): boolean {
    return this.passed;
  }

  /** The text kept so far (at most maxBytes bytes). */
  text(): string {
    return this.parts.join('');
  }
}

/** The longest prefix of `text` that is at most `bytes` bytes in UTF-8, never half a character. */
function prefixWithin(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > bytes) break;
    used += n;
    end += ch.length;
  }
  return text.slice(0, end);
}
