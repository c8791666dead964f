/**
 * The set-up most end-to-end tests share: an in-process NCP emulator, a pipeline (producer and
 * queue prefix) on it, and one call that takes both down again.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.ts';
import { openPipeline, type Pipeline, type PipelineOptions } from './pipeline.ts';

export interface EmulatorPipeline {
  emulator: Emulator;
  pipeline: Pipeline;
  /** REDIS_URL, QUEUE_PREFIX and NCP_REGION of the pipeline: enough for the CLI or the service. */
  env: Record<string, string>;
  /**
   * Removes the pipeline's Redis keys, then closes the emulator (also when the first fails).
   * Close workers and services on the pipeline before.
   */
  close(): Promise<void>;
}

/** Starts an emulator with `emulatorOptions` and opens a pipeline labelled `label` on it. */
export async function startEmulatorPipeline(
  label: string,
  emulatorOptions: EmulatorOptions,
  pipelineOptions: PipelineOptions = {},
): Promise<EmulatorPipeline> {
  const emulator = await startEmulator(emulatorOptions);
  let pipeline: Pipeline;
  try {
    pipeline = await openPipeline(label, emulator, pipelineOptions);
  } catch (error) {
    await emulator.close();
    throw error;
  }
  return {
    emulator,
    pipeline,
    env: { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, NCP_REGION: 'KR' },
    close: async () => {
      try {
        await pipeline.cleanup();
      } finally {
        await emulator.close();
      }
    },
  };
}
