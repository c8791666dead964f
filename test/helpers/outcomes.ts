/** Export outcomes for tests that write records through the ledger. */
import type { Outcome } from '../../shared/contract.ts';

export interface OutcomeShape {
  jobId: string;
  status: Outcome['status'];
  instanceNo?: string;
  api?: 'vredis' | 'vcache';
  regionCode?: string;
  fileName?: string;
  finishedAt: string;
  kind?: NonNullable<Outcome['error']>['kind'];
  message?: string;
}

export function exportOutcome(shape: OutcomeShape): Outcome {
  const failed = shape.status === 'failed';
  return {
    jobId: shape.jobId,
    request: {
      api: shape.api ?? 'vredis',
      instanceNo: shape.instanceNo ?? '1234511',
      fileName: shape.fileName ?? '20240702',
      bucketName: 'cache-backup',
      backupTypeMode: 'SYSTEM',
      regionCode: shape.regionCode ?? 'KR',
    },
    status: shape.status,
    attempts: 1,
    httpStatus: failed ? 503 : 200,
    requestId: failed ? null : 'req-1',
    returnCode: failed ? null : '0',
    returnMessage: failed ? null : 'success',
    error: failed
      ? {
          kind: shape.kind ?? 'server',
          code: '500',
          message: shape.message ?? 'Endpoint error',
          retryable: true,
        }
      : null,
    enqueuedAt: shape.finishedAt,
    startedAt: shape.finishedAt,
    finishedAt: shape.finishedAt,
    meta: {},
  };
}
