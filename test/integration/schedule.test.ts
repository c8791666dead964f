/**
 * Schedules end to end: a schedule kept in Redis fires a discovery every 2 seconds while three
 * worker processes compete for its jobs; every tick runs exactly once.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiscoveryQueue } from '../../producer/discovery.ts';
import { type Emulator, generateSeed } from '../emulator/index.ts';
import { runCli } from '../helpers/cli.ts';
import { type EmulatorPipeline, startEmulatorPipeline } from '../helpers/emulator-pipeline.ts';
import type { Pipeline } from '../helpers/pipeline.ts';
import { redisTime, untilRedisTime, waitFor } from '../helpers/redis.ts';
import {
  startWorkerProcess,
  stopWorkerProcess,
  type WorkerProcess,
} from '../helpers/worker-process.ts';

const INSTANCES = 20;
const seed = generateSeed({ instances: INSTANCES, apis: ['vredis'] });
const TICK = /^repeat:every-2s:(\d+)$/;

describe('schedules', () => {
  let setup: EmulatorPipeline;
  let emulator: Emulator;
  let pipeline: Pipeline;
  let workers: WorkerProcess[] = [];
  let env: Record<string, string>;
  const discoveryOutcomes = () => pipeline.producer.ledger.discoveryOutcomes();

  beforeAll(async () => {
    setup = await startEmulatorPipeline('schedule', { seed });
    ({ emulator, pipeline } = setup);
    env = setup.env;
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    await setup?.close();
  });

  it('refuses bad names, cron patterns, time zones and discovery options', async () => {
    const add = (...args: string[]) => runCli(['schedule', 'add', ...args], env);
    const options = ['--', '--api', 'vredis', '--bucket', 'cache-backup'];
    const cases: [string[], string][] = [
      [['a:b', '--cron', '* * * * *', ...options], 'schedule name "a:b" must be'],
      [['ok', '--cron', 'every day', ...options], '--cron: "every day" is not a cron pattern'],
      [['ok', '--cron', '0 3 * * *', '--tz', 'Mars/Olympus', ...options], '--tz: "Mars/Olympus"'],
      [['ok', '--cron', '0 3 * * *', '--', '--api', 'vredis'], "required option '--bucket"],
      [['ok', '--cron', '0 3 * * *', '--', '--api', 'x', '--bucket', 'cache-backup'], '--api:'],
    ];
    for (const [args, message] of cases) {
      const run = await add(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
    }
    const list = await runCli(['schedule', 'list'], env);
    expect(list.stderr).toBe('no schedules\n');
    const remove = await runCli(['schedule', 'remove', 'ok'], env);
    expect(remove.code).toBe(1);
    expect(remove.stderr).toContain('no schedule named ok');
  });

  it('fires once per tick with three workers running, until removed', async () => {
    // The schedule lives in Redis: it is added while no worker runs.
    const add = await runCli(
      [
        'schedule',
        'add',
        'every-2s',
        '--cron',
        '*/2 * * * * *',
        '--tz',
        'Asia/Seoul',
        '--',
        '--api',
        'vredis',
        '--bucket',
        'cache-backup',
      ],
      env,
    );
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(
      /^schedule every-2s added: "\*\/2 \* \* \* \* \*" \(Asia\/Seoul\), next run \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z\n$/,
    );
    const list = await runCli(['schedule', 'list'], env);
    expect(list.stdout.split('\n')[1]).toMatch(
      /^every-2s\s+\*\/2 \* \* \* \* \*\s+Asia\/Seoul\s+\d{4}-\S+ \S+\s+--api vredis --bucket cache-backup --region KR --latest$/,
    );

    const workerEnv = pipeline.workerEnv({ NCP_RATE_LIMIT: '200', WORKER_CONCURRENCY: '4' });
    workers = await Promise.all([1, 2, 3].map(() => startWorkerProcess(workerEnv)));
    await waitFor('3 ticks', async () => (await discoveryOutcomes()).length >= 3, 20_000, 100);

    const remove = await runCli(['schedule', 'remove', 'every-2s'], env);
    expect(remove.stdout).toBe('schedule every-2s removed\n');
    const queue = openDiscoveryQueue(pipeline.producer);
    const pending = async () =>
      Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'));
    let settled: number;
    try {
      await waitFor('the last tick to finish', async () => (await pending()).every((n) => n === 0));
      expect(await queue.getJobSchedulersCount()).toBe(0);
      // No tick after the removal: once Redis' clock (BullMQ's) is past the next two cron
      // times, no tick is due, queued or finished beyond those already there.
      settled = (await discoveryOutcomes()).length;
      const now = await redisTime(pipeline.producer.redis as Redis);
      await untilRedisTime(pipeline.producer.redis as Redis, (Math.floor(now / 2000) + 2) * 2000);
      expect(await pending()).toEqual([0, 0, 0, 0]);
    } finally {
      await queue.close();
    }
    const outcomes = await discoveryOutcomes();
    expect(outcomes).toHaveLength(settled);

    // Each tick is its own job id, 2 s apart on the cron, and ran once in all three processes.
    const ticks = outcomes.map((outcome) => Number(TICK.exec(outcome.jobId)?.[1])).sort();
    expect(new Set(ticks).size).toBe(outcomes.length);
    for (const tick of ticks) expect(tick % 2000).toBe(0);
    const runs = workers.flatMap((worker) =>
      worker.logs.filter((line) => line.msg === 'discovery finished').map((line) => line.jobId),
    );
    expect([...runs].sort()).toEqual(outcomes.map((outcome) => outcome.jobId).sort());

    // The first tick enqueued the 20 exports; the later ticks found them already queued.
    expect(outcomes.every((o) => o.status === 'succeeded' && o.filesChosen === INSTANCES)).toBe(
      true,
    );
    expect(outcomes.reduce((sum, o) => sum + o.exportsEnqueued, 0)).toBe(INSTANCES);
    expect(outcomes.every((o) => o.request.schedule === 'every-2s')).toBe(true);
    // NCP saw one instance list and one backup list per instance per tick, plus the exports.
    await waitFor('20 exports', async () => emulator.stats().accepted === INSTANCES);
    expect(emulator.stats().requests).toBe(outcomes.length * (1 + INSTANCES) + INSTANCES);

    // `schedule runs` shows each run, oldest first.
    const shown = (await runCli(['schedule', 'runs', 'every-2s'], env)).stdout.trim().split('\n');
    expect(shown).toHaveLength(outcomes.length);
    expect(shown[0]).toMatch(
      /^discovery repeat:every-2s:\d+ succeeded: 20 instances seen, 20 matched, 20 files chosen, \d+ enqueued, \d+ already queued, 0 problems$/,
    );

    const exits = await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
    expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
  }, 60_000);
});
