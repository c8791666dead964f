import type { CliIo } from '../../cli/context.ts';
import { loadDefaultRegion, loadJobPolicy, loadRedisConfig } from '../../shared/config.ts';
import { ExportProducer } from '../producer.ts';

/** A producer configured from the environment (REDIS_URL, QUEUE_PREFIX, NCP_REGION, EXPORT_*). */
export function openProducer(
  io: CliIo,
  options: { readOnly?: boolean } = {},
): Promise<ExportProducer> {
  return ExportProducer.connect({
    redis: loadRedisConfig(io.env),
    policy: loadJobPolicy(io.env),
    defaultRegion: loadDefaultRegion(io.env),
    readOnly: options.readOnly ?? false,
  });
}

/**
 * Runs `work` with a producer and always closes it. With `readOnly` (commands that only read),
 * the producer writes nothing to Redis.
 */
export async function withProducer<T>(
  io: CliIo,
  work: (producer: ExportProducer) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const producer = await openProducer(io, options);
  try {
    return await work(producer);
  } finally {
    await producer.close();
  }
}

/** {@link withProducer} for commands that only read (`status`, `results`): nothing is written. */
export function withReadOnlyProducer<T>(
  io: CliIo,
  work: (producer: ExportProducer) => Promise<T>,
): Promise<T> {
  return withProducer(io, work, { readOnly: true });
}
