/**
 * After a full run with logging at trace, the secret key and every signature sent appear
 * nowhere: not in logs (in-process workers' pino lines, a worker process's stdout and stderr,
 * anything else this process wrote), outcomes, job data, any Redis key under the prefix, or error
 * messages. Three runs share one queue: the right key through faults (429s, resets, 503, service
 * error 1000, a malformed answer); a worker process with a wrong key; and a gateway that echoes
 * the signature it received in its error. Signatures are noted on the wire, before the emulator
 * by a relay, and by the echoing gateway itself. The HTTP service, started with the keys in its
 * environment, is asked for everything it shows (outcomes, each export, metrics, the dashboard's
 * job lists) and must not show them either.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadJobPolicy,
  loadNcpConfig,
  loadRedisConfig,
  loadWorkerConfig,
} from '../../shared/config.ts';
import type { ExportRequestInput } from '../../shared/contract.ts';
import { createLogger } from '../../shared/logger.ts';
import { type ExportWorker, startExportWorker } from '../../worker/export-worker.ts';
import { type Emulator, type FaultName, generateSeed, startEmulator } from '../emulator/index.ts';
import { type HeaderTap, startHeaderTap } from '../helpers/header-tap.ts';
import { openPipeline, type Pipeline, requestsFromSeed } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/redis.ts';
import { dumpPrefix } from '../helpers/redis-dump.ts';
import { askService, SERVICE_PAGES } from '../helpers/service-answers.ts';
import { startWorkerProcess, stopWorkerProcess } from '../helpers/worker-process.ts';

const ACCESS_KEY = 'SECRETS-TEST-ACCESS-KEY';
const SECRET_KEY = 'sk-live-3f9b2c7e-d41a-4c8e-9b0f-SECRETS-TEST-a6e1';
const WRONG_KEY = 'sk-live-0c5d8a91-77e2-4f3b-8d6c-WRONGKEY-TEST-b2f4';
const SIGNATURE = 'x-ncp-apigw-signature-v2';
const seed = generateSeed({
  instances: 10,
  systemBackups: 1,
  manualBackups: 1,
  credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
});
const manual = (from: number, to: number): ExportRequestInput[] =>
  seed.instances.slice(from, to).map((instance) => ({
    api: instance.api,
    instanceNo: instance.instanceNo,
    fileName: `manual-${instance.instanceNo}-1`,
    bucketName: seed.buckets[0]!,
    backupTypeMode: 'MANUAL',
    regionCode: instance.regionCode,
  }));
/** The right key, through faults: one export per SYSTEM backup. */
const good = requestsFromSeed(seed);
/** A wrong key. */
const wrong = manual(0, 4);
/** A gateway that echoes the signature in its error. */
const echoed = manual(4, 6);
const FAULTS: FaultName[] = [
  'throttle',
  'reset',
  'http503',
  'throttle',
  'reset',
  'service1000',
  'malformed',
];

describe('secrets stay secret', () => {
  let emulator: Emulator;
  let tap: HeaderTap;
  let pipeline: Pipeline;
  const echoedSignatures: string[] = [];
  const echo = createServer((req, res) => {
    const signature = String(req.headers[SIGNATURE]);
    echoedSignatures.push(signature);
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          errorCode: '200',
          message: 'Authentication Failed',
          details: `signature ${signature} does not match ${req.url}`,
          requestId: signature,
        },
      }),
    );
  });
  const workers: ExportWorker[] = [];
  const inProcessLog: string[] = [];
  const written: string[] = [];
  const restore: Array<() => void> = [];
  /** Everything written where a secret could end up, by where it was found. */
  const haystacks: Record<string, string> = {};

  beforeAll(async () => {
    // Anything else this process writes (BullMQ, ioredis, Node warnings) is kept too.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = write;
      });
    }
    emulator = await startEmulator({ seed, retryAfter: 0 });
    tap = await startHeaderTap(emulator.url, SIGNATURE);
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    pipeline = await openPipeline('secrets', emulator, { maxAttempts: 6 });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.close();
    for (const undo of restore) undo();
    await pipeline?.cleanup();
    echo.closeAllConnections();
    await new Promise((resolve) => echo.close(resolve));
    await tap?.close();
    await emulator?.close();
  });

  const env = (secretKey: string, apiUrl: string) =>
    pipeline.workerEnv({
      NCP_ACCESS_KEY: ACCESS_KEY,
      NCP_SECRET_KEY: secretKey,
      NCP_API_URL: apiUrl,
      NCP_RATE_LIMIT: '50',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'trace',
      // Every wrong-key export must reach its outcome here; auth-pause.test.ts covers the pause.
      NCP_AUTH_PAUSE_AFTER: '0',
    });

  function startInProcess(apiUrl: string): ExportWorker {
    const config = env(SECRET_KEY, apiUrl);
    const worker = startExportWorker({
      ncp: loadNcpConfig(config),
      redis: loadRedisConfig(config),
      worker: loadWorkerConfig(config),
      policy: loadJobPolicy(config),
      // The project's logger, redaction and all, at trace, into memory.
      logger: createLogger({ level: 'trace' }, 'secrets-test', {
        write: (line: string) => void inProcessLog.push(line),
      }),
    });
    workers.push(worker);
    return worker;
  }

  const outcomesReach = (count: number, what: string) =>
    waitFor(what, async () => (await pipeline.outcomeCount()) >= count);

  it('runs the right key through faults, a wrong key, and an echoing gateway', async () => {
    emulator.configure({ faults: { schedule: FAULTS } });
    await pipeline.producer.enqueue(good);
    await startInProcess(tap.url);
    await outcomesReach(good.length, 'outcomes with the right key');
    await workers.pop()?.close();

    await pipeline.producer.enqueue(wrong);
    const child = await startWorkerProcess(env(WRONG_KEY, tap.url));
    let stderr = '';
    child.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    await outcomesReach(good.length + wrong.length, 'outcomes with the wrong key');
    expect(await stopWorkerProcess(child)).toEqual({ code: 0, signal: null });

    await pipeline.producer.enqueue(echoed);
    const { port } = echo.address() as AddressInfo;
    startInProcess(`http://127.0.0.1:${port}`);
    await outcomesReach(good.length + wrong.length + echoed.length, 'outcomes from the echo');
    await workers.pop()?.close();

    const outcomes = await pipeline.outcomes();
    const count = (status: string, kind?: string) =>
      outcomes.filter((o) => o.status === status && (kind === undefined || o.error?.kind === kind))
        .length;
    expect(outcomes).toHaveLength(16);
    expect([count('succeeded'), count('failed', 'protocol'), count('failed', 'auth')]).toEqual([
      9, 1, 6,
    ]);
    const stats = emulator.stats();
    expect(stats.faults).toMatchObject({
      throttle: 2,
      reset: 2,
      http503: 1,
      service1000: 1,
      malformed: 1,
    });
    expect([stats.accepted, stats.badSignatures]).toEqual([9, 4]);
    // Every request reached the emulator through the relay, each with its signature.
    expect(tap.values).toHaveLength(stats.requests);
    expect(echoedSignatures).toHaveLength(2);
    const signatures = [...tap.values, ...echoedSignatures];
    expect(signatures.every((value) => /^[A-Za-z0-9+/]{43}=$/.test(value))).toBe(true);

    const jobs = await pipeline.producer.queue.getJobs(
      ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'],
      0,
      -1,
    );
    expect(jobs).toHaveLength(16);
    const redis = await dumpPrefix(pipeline.redisUrl, pipeline.prefix);
    // The service gets the keys in its environment, as a shared .env would give them.
    const http = await askService(
      { ...env(SECRET_KEY, tap.url), HOST: '127.0.0.1' },
      jobs.map((job) => String(job.id)),
    );
    expect([http.outcomes, http.statuses]).toEqual([16, { 200: 16 + SERVICE_PAGES.length }]);
    // The dashboard's job lists carry the failures' reasons.
    expect(http.answers).toContain('Authentication Failed');
    Object.assign(haystacks, {
      inProcessLog: inProcessLog.join(''),
      processStdout: JSON.stringify(child.logs),
      processStderr: stderr,
      thisProcessOutput: written.join(''),
      outcomes: JSON.stringify(outcomes),
      jobs: JSON.stringify(jobs.map((job) => (job instanceof Job ? job.asJSON() : job))),
      redis: redis.text,
      errorMessages: outcomes.map((o) => o.error?.message ?? '').join('\n'),
      httpAnswers: http.answers,
      httpLog: http.log,
    });
    figures = {
      signatures: signatures.length,
      logLines: inProcessLog.length + child.logs.length,
      redisKeys: redis.keys,
      needles: [SECRET_KEY, WRONG_KEY, ...new Set(signatures)],
    };
  });

  let figures = { signatures: 0, logLines: 0, redisKeys: 0, needles: [] as string[] };

  it('finds neither key nor any signature anywhere', () => {
    // One call per export, plus one more for each fault but the final malformed answer.
    expect(figures.signatures).toBe(16 + FAULTS.length - 1);
    expect(figures.logLines).toBeGreaterThan(32);
    expect(figures.redisKeys).toBeGreaterThan(16);
    expect(Object.keys(haystacks)).toHaveLength(10);
    const leaks = Object.entries(haystacks).flatMap(([where, text]) =>
      figures.needles
        .filter((needle) => text.includes(needle))
        .map(
          (needle) =>
            `${where}: ${needle === SECRET_KEY || needle === WRONG_KEY ? 'secret key' : `signature ${needle}`}`,
        ),
    );
    expect(leaks).toEqual([]);
  });
});
