import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CliUsageError, EXAMPLE_SEED, parseSandboxArgs } from '../emulator/cli-args.ts';
import { DEFAULT_CREDENTIALS } from '../emulator/index.ts';
import { call, exportTarget } from './emulator-client.ts';

const MAIN = new URL('../emulator/main.ts', import.meta.url).pathname;

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--experimental-strip-types', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function output(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

describe('sandbox command line', () => {
  it('parses the documented example', () => {
    const argv = ['--port', '8080', '--seed', 'x.json', '--rate', '10', '--retry-after', '1'];
    expect(
      parseSandboxArgs([
        ...argv,
        '--fault',
        'http503=0.1',
        '--fault',
        'reset=0.05',
        '--latency',
        '20',
      ]),
    ).toEqual({
      port: 8080,
      host: '127.0.0.1',
      seedPath: 'x.json',
      rateLimit: 10,
      retryAfter: 1,
      gateway: 'sliding',
      burst: 1,
      jitterMs: 0,
      probability: { http503: 0.1, reset: 0.05 },
      schedule: [],
      slowMs: undefined,
      latencyMs: 20,
      clockOffsetMs: 0,
      manualBackupDelayMs: 2000,
      manualBackupNeverRate: 0,
      storage: {
        port: 8081,
        delayMs: 2000,
        growMs: 3000,
        neverRate: 0,
        truncatedRate: 0,
        keyTemplate: '{instanceNo}/{fileName}',
      },
    });
    expect(parseSandboxArgs(['--no-storage'])).toMatchObject({ storage: undefined });
    expect(
      parseSandboxArgs(['--landing-never', '0.1', '--landing-delay', '0', '--storage-port', '0']),
    ).toMatchObject({ storage: { port: 0, delayMs: 0, neverRate: 0.1 } });
    expect(() => parseSandboxArgs(['--landing-truncated', '1.5'])).toThrow(
      '--landing-truncated must be a share from 0 to 1, got "1.5"',
    );
    expect(
      parseSandboxArgs([
        '--retry-after',
        'date',
        '--schedule',
        'none,slow',
        '--clock-offset=-600000',
      ]),
    ).toMatchObject({
      port: 8080,
      seedPath: EXAMPLE_SEED,
      rateLimit: null,
      retryAfter: 'date',
      schedule: ['none', 'slow'],
      clockOffsetMs: -600000,
    });
    expect(parseSandboxArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--port', '99999'], '--port must be a whole number from 0 to 65535, got "99999"'],
    [['--rate', '0'], '--rate must be a whole number >= 1, got "0"'],
    [['--rate', '1.5'], '--rate must be a whole number >= 1, got "1.5"'],
    [
      ['--retry-after', 'soon'],
      '--retry-after must be none, a number of seconds or date, got "soon"',
    ],
    [['--fault', 'http503'], '--fault must look like name=probability, got "http503"'],
    [['--fault', 'boom=0.1'], '--fault: unknown fault "boom"'],
    [['--fault', 'reset=1.5'], '--fault reset: probability must be from 0 to 1'],
    [
      ['--fault', 'reset=0.6', '--fault', 'slow=0.6'],
      '--fault probabilities add up to 1.2, more than 1',
    ],
    [['--schedule', 'slow,boom'], '--schedule: unknown fault "boom"'],
    [['--verbose'], "Unknown option '--verbose'"],
    [['extra'], "Unexpected argument 'extra'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSandboxArgs(argv)).toThrow(CliUsageError);
    expect(() => parseSandboxArgs(argv)).toThrow(message);
  });

  it('serves, prints one line with the URL and the test key pair, and stops on SIGTERM', async () => {
    const child = run(['--port', '0', '--rate', '10', '--fault', 'http503=0']);
    const done = output(child);
    // The iterator keeps lines that arrive together (two in one chunk on a busy machine).
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const first = String((await lines.next()).value);
    expect(first).toMatch(
      /^NCP emulator listening on http:\/\/127\.0\.0\.1:\d+ \(access key EMULATOR-ACCESS-KEY, secret key emulator-secret-key; 4 instances, 2 buckets; rate limit 10\/s, sliding\)$/,
    );
    const url = /http:\/\/[^ ]+/.exec(first)![0];
    const second = String((await lines.next()).value);
    expect(second).toMatch(
      /^Object Storage stand-in listening on http:\/\/127\.0\.0\.1:\d+ \(the same key pairs; exports land under \{instanceNo\}\/\{fileName\}\)$/,
    );
    const target = exportTarget('vredis', {
      fileName: '20240702',
      bucketName: 'redis-backup',
      cloudRedisInstanceNo: '1234511',
      backupTypeMode: 'SYSTEM',
    });
    expect((await call(url, target, DEFAULT_CREDENTIALS)).status).toBe(200);
    child.kill('SIGTERM');
    const { code, stdout, stderr } = await done;
    expect(code).toBe(0);
    // The fixed test secret is in the banner, and nowhere else (not with the request).
    expect((stdout + stderr).split(DEFAULT_CREDENTIALS.secretKey)).toHaveLength(2);
    expect(stdout).toContain('NCP emulator stopped (SIGTERM)');
  });

  it('exits 2 with the reason on a bad argument, 1 on a bad seed', async () => {
    const usage = await output(run(['--latency', 'slow']));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe(
      'error: --latency must be a whole number >= 0, got "slow"\n(--help lists the options)\n',
    );
    const seed = await output(run(['--seed', '/nonexistent/seed.json']));
    expect(seed.code).toBe(1);
    expect(seed.stderr).toMatch(/^error: cannot read seed file \/nonexistent\/seed\.json: ENOENT/);
  });
});
