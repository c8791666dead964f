import { ExportProducer } from '../../producer/producer.ts';
import { loadExportRegion, loadJobPolicy, loadRedisConfig } from '../../shared/config.ts';
import { TRACING_DEFAULTS } from '../../shared/defaults.ts';
import { describeRedis } from '../../shared/redis.ts';
import { type ActiveTracing, startTracing, stopTracing } from '../../shared/tracing.ts';
import { CliError, type CliIo, EXIT, writeLine } from '../context.ts';
import { packageVersion } from '../version.ts';

/** A producer configured from the environment (REDIS_URL, QUEUE_PREFIX, NCP_REGION, EXPORT_*). */
export function openProducer(
  io: CliIo,
  options: { readOnly?: boolean } = {},
): Promise<ExportProducer> {
  return ExportProducer.connect({
    redis: loadRedisConfig(io.env),
    policy: loadJobPolicy(io.env),
    defaultRegion: loadExportRegion(io.env),
    readOnly: options.readOnly ?? false,
  });
}

/**
 * What a command had done when Redis went away, and whether running it again is safe: the end
 * of the message {@link withProducer} prints. Read when the failure happens.
 */
export type LostRedisReport = () => string;

const AGAIN: LostRedisReport = () => 'run the command again once Redis is back';

/**
 * Runs `work` with a producer and always closes it. If Redis goes away meanwhile, the error
 * says so, where (REDIS_URL or the cluster, without password), and what `report` says was done.
 * With `readOnly` (commands that only read), the producer writes nothing to Redis. With
 * `traced` (commands that enqueue exports), each export starts its trace when OTEL_* turns
 * traces on; other commands never load OpenTelemetry.
 */
export async function withProducer<T>(
  io: CliIo,
  work: (producer: ExportProducer) => Promise<T>,
  report: LostRedisReport = AGAIN,
  options: { readOnly?: boolean; traced?: boolean } = {},
): Promise<T> {
  const tracing = options.traced ? await startProducerTracing(io) : undefined;
  const producer = await openProducer(io, options);
  try {
    return await work(producer);
  } catch (error) {
    if (!isRedisUnreachable(error, producer)) throw error;
    throw new CliError(
      `lost Redis at ${describeRedis(loadRedisConfig(io.env))} (${(error as Error).message}); ${report()}`,
      EXIT.failure,
    );
  } finally {
    await producer.close();
    if (tracing) await stopTracing();
  }
}

/** Traces for a producer process (`ncp-cache-export-producer`), when OTEL_* asks for them. */
export function startProducerTracing(io: CliIo): Promise<ActiveTracing | undefined> {
  return startTracing(io.env, TRACING_DEFAULTS.producerService, {
    serviceVersion: packageVersion(),
    onError: (error) =>
      writeLine(io.stderr, `warning: traces not sent to the collector: ${error.message}`),
  });
}

/**
 * Whether `error` comes from the connection to Redis being down (refused, reset, retries used
 * up), not from a command Redis answered.
 */
export function isRedisUnreachable(error: unknown, producer: ExportProducer): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'MaxRetriesPerRequestError' || !producer.connected;
}

/** {@link withProducer} for commands that only read (`status`, `results`): nothing is written. */
export function withReadOnlyProducer<T>(
  io: CliIo,
  work: (producer: ExportProducer) => Promise<T>,
  report: LostRedisReport = AGAIN,
): Promise<T> {
  return withProducer(io, work, report, { readOnly: true });
}
