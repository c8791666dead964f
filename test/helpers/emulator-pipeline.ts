/**
 * The set-up most end-to-end tests share: an in-process NCP emulator, a pipeline (producer and
 * queue prefix) on it, the worker processes a test starts, and one call that takes all down.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.ts';
import { openPipeline, type Pipeline, type PipelineOptions } from './pipeline.ts';
import { stopWorkerProcess, type WorkerProcess } from './worker-process.ts';

export interface EmulatorPipeline {
  emulator: Emulator;
  pipeline: Pipeline;
  /** REDIS_URL, QUEUE_PREFIX and NCP_REGION of the pipeline: enough for the CLI or the service. */
  env: Record<string, string>;
  /** Worker processes on the pipeline; a test adds those it starts, and close() stops them. */
  workers: WorkerProcess[];
  /**
   * Stops the worker processes in `workers`, removes the pipeline's Redis keys, then closes the
   * emulator (also when a step before failed). Close in-process workers and services before.
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
  const workers: WorkerProcess[] = [];
  return {
    emulator,
    pipeline,
    workers,
    env: { REDIS_URL: pipeline.redisUrl, QUEUE_PREFIX: pipeline.prefix, NCP_REGION: 'KR' },
    close: async () => {
      try {
        await Promise.all(workers.map((worker) => stopWorkerProcess(worker)));
        await pipeline.cleanup();
      } finally {
        await emulator.close();
      }
    },
  };
}
