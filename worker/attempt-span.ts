/**
 * The span of one attempt of an export job (`export attempt`), a child of BullMQ's `process`
 * span and so part of the export's trace; the NCP calls of the attempt are its children and
 * inherit its attempt number. Ends with how the attempt ended: `succeeded`, `retry` (a transient
 * error, BullMQ tries again), `failed` (for good), or `handed_back` (shutdown or auth pause: the
 * job waits, no attempt used).
 */
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { isRecord } from '../shared/json.ts';
import { NcpError } from '../shared/ncp/index.ts';
import { tracingActive, withSpan } from '../shared/tracing.ts';

export function traceAttempt<T>(job: Job, run: () => Promise<T>): Promise<T> {
  if (!tracingActive()) return run();
  const maxAttempts = Math.max(1, job.opts.attempts ?? 1);
  const attempt = job.attemptsMade + 1;
  const data = isRecord(job.data) ? job.data : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return withSpan(
    'export attempt',
    {
      attributes: {
        'ncp_cache_export.job_id': job.id,
        'ncp_cache_export.max_attempts': maxAttempts,
        'ncp.api': text(data.api),
        'ncp.instance_no': text(data.instanceNo),
        'ncp.region': text(data.regionCode),
        'ncp.backup_file': text(data.fileName),
        'ncp.bucket': text(data.bucketName),
      },
      inherited: { 'ncp_cache_export.attempt': attempt },
      failsSpan: (error) => !(error instanceof DelayedError),
    },
    async (span) => {
      try {
        const result = await run();
        span?.setAttributes({ 'ncp_cache_export.attempt_result': 'succeeded' });
        return result;
      } catch (error) {
        const retry =
          error instanceof NcpError && error.retryable && attempt < maxAttempts
            ? 'retry'
            : 'failed';
        span?.setAttributes({
          'ncp_cache_export.attempt_result':
            error instanceof DelayedError
              ? 'handed_back'
              : error instanceof UnrecoverableError
                ? 'failed'
                : retry,
          'error.type': error instanceof NcpError ? error.kind : undefined,
        });
        throw error;
      }
    },
  );
}
