/**
 * The reference of the start-up benchmark: the least a BullMQ script does for what `enqueue`
 * and `status` do, from process start to exit. `add`: one job added (the same name, data, id
 * and options `enqueue` gives it). `counts`: job counts of both queues.
 *
 *   node bench/reference-start.ts add|counts   (REDIS_URL, QUEUE_PREFIX)
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const what = process.argv[2];
const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = process.env.QUEUE_PREFIX ?? 'bull';
const queue = new Queue('cache-export', { connection, prefix });
if (what === 'add') {
  const data = {
    api: 'vredis',
    instanceNo: '1234511',
    fileName: '20240702',
    bucketName: 'cache-backup',
    backupTypeMode: 'SYSTEM',
    regionCode: 'KR',
  };
  await queue.add('export', data, {
    jobId: 'vredis~KR~1234511~SYSTEM~20240702~cache-backup',
    attempts: 8,
    backoff: { type: 'ncp-jitter' },
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 2_592_000 },
  });
} else if (what === 'counts') {
  const results = new Queue('cache-export-results', { connection, prefix });
  console.log(JSON.stringify([await queue.getJobCounts(), await results.getJobCounts()]));
  await results.close();
} else {
  throw new Error('usage: node bench/reference-start.ts add|counts');
}
await queue.close();
await connection.quit();
