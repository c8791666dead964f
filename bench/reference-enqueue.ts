/**
 * The reference of the enqueue benchmark: raw BullMQ `addBulk` of the same jobs `bulk` adds
 * (same name, data, id and options), 1,000 per call like `bulk --chunk 1000`, read from the same
 * CSV with a plain line split: no validation, no second pass, no duplicate check.
 *
 *   node bench/reference-enqueue.ts FILE.csv   (REDIS_URL, QUEUE_PREFIX)
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/reference-enqueue.ts FILE.csv');
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const queue = new Queue('cache-export', { connection, prefix: process.env.QUEUE_PREFIX ?? 'bull' });

type Job = { name: string; data: Record<string, string>; opts: JobsOptions };
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
    await queue.addBulk(chunk);
    added += chunk.length;
    chunk = [];
  }
}
if (chunk.length > 0) await queue.addBulk(chunk);
added += chunk.length;
await queue.close();
await connection.quit();
console.log(JSON.stringify({ added }));
