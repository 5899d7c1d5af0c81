import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/services/jobs/jobs.js';

const quiet = pino({ level: 'silent' });

describe('JobRunner', () => {
  it('never runs a job twice at once, and one failing job leaves the others alone', async () => {
    const events: string[] = [];
    let release!: () => void;
    const audit = { record: (event: string) => events.push(event) };
    const runner = new JobRunner(
      [
        {
          name: 'slow',
          description: '',
          schedule: '* * * * *',
          enabled: true,
          run: () => new Promise<void>((r) => (release = r)),
        },
        {
          name: 'boom',
          description: '',
          schedule: '* * * * *',
          enabled: true,
          run: () => {
            throw new Error('kaput');
          },
        },
        { name: 'fine', description: '', schedule: '* * * * *', enabled: true, run: () => 42 },
      ],
      { audit, logger: quiet, now: Date.now },
    );
    const first = runner.runNow('slow');
    await expect(runner.runNow('slow')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(runner.list().find((j) => j.name === 'slow')!.running).toBe(true);
    await expect(runner.runNow('boom')).resolves.toMatchObject({ ok: false, error: 'kaput' });
    await expect(runner.runNow('fine')).resolves.toMatchObject({ ok: true, result: 42 });
    release();
    await expect(first).resolves.toMatchObject({ ok: true });
    expect(events).toEqual(['job.failed']);
  });
});
