/**
 * The reference of the pipeline benchmark, run as a process of its own like the real worker:
 * a bare BullMQ worker on the same queue, Redis and concurrency.
 *
 * - `REFERENCE_MODE=call`: per job, the same signed undici GET to the emulator, its JSON body
 *   parsed, and the same outcome job added to `cache-export-results` under the job's id.
 *   Nothing else: no validation, logging, metrics, limiter or abort handling.
 * - `REFERENCE_MODE=noop`: the processor returns at once (the ceiling of BullMQ itself).
 *
 * Environment as the real worker's: REDIS_URL, QUEUE_PREFIX, NCP_API_URL, NCP_ACCESS_KEY,
 * NCP_SECRET_KEY, WORKER_CONCURRENCY.
 */
import { createHmac } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';

interface Request {
  api: 'vredis' | 'vcache';
  instanceNo: string;
  fileName: string;
  bucketName: string;
  backupTypeMode: string;
  regionCode: string;
  meta?: Record<string, unknown>;
}

interface Answer {
  requestId: string;
  returnCode: string;
  returnMessage: string;
}

const env = process.env;
const mode = env.REFERENCE_MODE === 'noop' ? 'noop' : 'call';
const prefix = env.QUEUE_PREFIX ?? 'bull';
const origin = env.NCP_API_URL ?? 'http://127.0.0.1:8080';
const accessKey = env.NCP_ACCESS_KEY ?? '';
const secretKey = env.NCP_SECRET_KEY ?? '';
const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const results = new Queue('cache-export-results', { connection, prefix });
const agent = new Agent({ keepAliveTimeout: 10_000 });

async function exportBackup(job: Job<Request>) {
  const data = job.data;
  const [base, param] =
    data.api === 'vredis'
      ? ['/vredis/v2', 'cloudRedisInstanceNo']
      : ['/vcache/v2', 'cloudCacheInstanceNo'];
  const query = [
    ['regionCode', data.regionCode],
    ['fileName', data.fileName],
    ['bucketName', data.bucketName],
    [param, data.instanceNo],
    ['backupTypeMode', data.backupTypeMode],
    ['responseFormatType', 'json'],
  ]
    .map(([name, value]) => `${name}=${encodeURIComponent(value!)}`)
    .join('&');
  const path = `${base}/exportBackupToObjectStorage?${query}`;
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', secretKey)
    .update(`GET ${path}\n${timestamp}\n${accessKey}`)
    .digest('base64');
  const response = await request(`${origin}${path}`, {
    dispatcher: agent,
    headers: {
      'x-ncp-apigw-timestamp': timestamp,
      'x-ncp-iam-access-key': accessKey,
      'x-ncp-apigw-signature-v2': signature,
    },
  });
  const body = (await response.body.json()) as Record<string, Answer>;
  const answer = Object.values(body)[0]!;
  const finishedAt = new Date();
  const outcome = {
    jobId: String(job.id),
    request: data,
    status: 'succeeded',
    attempts: job.attemptsMade + 1,
    httpStatus: response.statusCode,
    requestId: answer.requestId,
    returnCode: answer.returnCode,
    returnMessage: answer.returnMessage,
    error: null,
    enqueuedAt: new Date(job.timestamp).toISOString(),
    startedAt: new Date(job.processedOn ?? finishedAt.getTime()).toISOString(),
    finishedAt: finishedAt.toISOString(),
    meta: data.meta ?? {},
  };
  await results.add('outcome', outcome, { jobId: String(job.id) });
  return {
    requestId: answer.requestId,
    returnCode: answer.returnCode,
    httpStatus: response.statusCode,
  };
}

const worker = new Worker<Request>(
  'cache-export',
  mode === 'noop' ? async () => undefined : exportBackup,
  {
    connection: workerConnection,
    prefix,
    concurrency: Number(env.WORKER_CONCURRENCY ?? '16'),
  },
);
worker.on('error', (error) => console.error('worker error', error));
console.log(`reference worker started (${mode})`);

const stop = async () => {
  await worker.close();
  await results.close();
  await agent.close();
  for (const redis of [connection, workerConnection]) await redis.quit();
};
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(1), 10_000).unref();
  stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
