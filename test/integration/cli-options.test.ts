/** Options the CLI refuses before touching Redis, and `--version`. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

// Nothing listens there: a command that got past its options would fail to connect instead.
const env = { REDIS_URL: 'redis://127.0.0.1:1', QUEUE_PREFIX: 'test-options' };
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('command-line options', () => {
  it('refuses a single-value option given twice, naming both values', async () => {
    const run = await runCli(
      ['enqueue', '--api', 'vredis', '--instance', '12', '--instance', '13', '--file', 'f'],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--instance given twice ("12", then "13"): give it once');
    const nested = await runCli(
      ['schedule', 'add', 'n', '--cron', '* * * * *', '--cron', '0 3 * * *'],
      env,
    );
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('--cron given twice');
  });

  it('still takes repeats of an option that collects them', async () => {
    const run = await runCli(
      ['discover', '--api', 'vredis', '--bucket', 'b', '--instance', '1', '--instance', '2'],
      env,
    );
    expect(run.stderr).not.toContain('given twice');
    expect(run.stderr).toContain('--bucket: must be 3 to 63 characters');
  });

  it.each(['abc', '0', '1.5', '-5', ''])('refuses status --interval %j', async (interval) => {
    const run = await runCli(['status', '--watch', '--interval', interval], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--interval: "${interval}" must be a whole number from 100`);
  });

  it('prints the version of package.json', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await runCli([flag], env)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});
