/**
 * The reference of the report benchmark: the least any report of the same summaries must do.
 * Reads the summary index, then HGETALL of every summary in pipelined pages of 500 (as the
 * product does), and writes each hash as one JSON line: no parsing, no ages, no formatting.
 *
 *   node bench/reference-report.ts   (REDIS_URL, QUEUE_PREFIX)
 */
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = process.env.QUEUE_PREFIX ?? 'bull';
const index = `${prefix}:cache-export-results-summary-index`;
const PAGE = 500;

for (let offset = 0; ; offset += PAGE) {
  const members = await redis.zrangebyscore(index, '-inf', '+inf', 'LIMIT', offset, PAGE);
  if (members.length === 0) break;
  const pipeline = redis.pipeline();
  for (const member of members)
    pipeline.hgetall(`${prefix}:cache-export-results-summary:${member}`);
  let out = '';
  for (const [, fields] of (await pipeline.exec()) ?? []) out += `${JSON.stringify(fields)}\n`;
  if (!process.stdout.write(out))
    await new Promise((resolve) => process.stdout.once('drain', resolve));
  if (members.length < PAGE) break;
}
redis.disconnect();
