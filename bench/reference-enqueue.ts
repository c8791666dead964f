/**
 * The reference of the enqueue benchmark: raw BullMQ `addBulk` of the same jobs `bulk` adds
 * (same name, data, id and options), 1,000 per call like `bulk --chunk 1000`, read from the same
 * CSV with a plain line split: no validation, no second pass, no duplicate check.
 *
 * With REFERENCE_CHECK=1 it also checks each job's timestamp after each addBulk with one script
 * run, as the producer does to tell added jobs from duplicates (a diagnostic: that check's cost).
 *
 *   node bench/reference-enqueue.ts FILE.csv   (REDIS_URL, QUEUE_PREFIX, REFERENCE_CHECK)
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/reference-enqueue.ts FILE.csv');
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = process.env.QUEUE_PREFIX ?? 'bull';
const queue = new Queue('cache-export', { connection, prefix });
const check = process.env.REFERENCE_CHECK === '1';

type Job = { name: string; data: Record<string, string>; opts: JobsOptions };

const NOT_CREATED_AT = `
local others = {}
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, 'timestamp')) ~= tonumber(ARGV[1]) then
    others[#others + 1] = i
  end
end
return others
`;

async function add(jobs: Job[]): Promise<void> {
  await queue.addBulk(jobs);
  if (!check) return;
  const keys = jobs.map((job) => `${prefix}:cache-export:${job.opts.jobId}`);
  await connection.eval(NOT_CREATED_AT, keys.length, ...keys, timestamp);
}
let columns: string[] | undefined;
let chunk: Job[] = [];
let added = 0;
const timestamp = Date.now();
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  if (!line) continue;
  const cells = line.split(',');
  if (!columns) {
    columns = cells;
    continue;
  }
  const row = Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? '']));
  const data = {
    api: row.api!,
    instanceNo: row.instanceNo!,
    fileName: row.fileName!,
    bucketName: row.bucketName!,
    backupTypeMode: row.backupTypeMode || 'SYSTEM',
    regionCode: row.regionCode || 'KR',
  };
  const jobId = [
    data.api,
    data.regionCode,
    data.instanceNo,
    data.backupTypeMode,
    data.fileName,
    data.bucketName,
  ].join('~');
  chunk.push({
    name: 'export',
    data,
    opts: {
      jobId,
      timestamp,
      attempts: 8,
      backoff: { type: 'ncp-jitter' },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 2_592_000 },
    },
  });
  if (chunk.length >= 1000) {
    await add(chunk);
    added += chunk.length;
    chunk = [];
  }
}
if (chunk.length > 0) await add(chunk);
added += chunk.length;
await queue.close();
await connection.quit();
console.log(JSON.stringify({ added }));
