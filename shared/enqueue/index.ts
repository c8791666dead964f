export {
  type EnqueueOptions,
  type EnqueueResult,
  ExportEnqueuer,
  type ExportEnqueuerOptions,
} from './export-enqueuer.ts';
export { nextRunId } from './runs.ts';
