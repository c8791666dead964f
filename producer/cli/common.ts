import type { CliIo } from '../../cli/context.ts';
import { loadExportRegion, loadJobPolicy, loadRedisConfig } from '../../shared/config.ts';
import { ExportProducer } from '../producer.ts';

/** A producer configured from the environment (REDIS_URL, QUEUE_PREFIX, NCP_REGION, EXPORT_*). */
export function openProducer(io: CliIo): Promise<ExportProducer> {
  return ExportProducer.connect({
    redis: loadRedisConfig(io.env),
    policy: loadJobPolicy(io.env),
    defaultRegion: loadExportRegion(io.env),
  });
}

/** Runs `work` with a producer and always closes it. */
export async function withProducer<T>(
  io: CliIo,
  work: (producer: ExportProducer) => Promise<T>,
): Promise<T> {
  const producer = await openProducer(io);
  try {
    return await work(producer);
  } finally {
    await producer.close();
  }
}
