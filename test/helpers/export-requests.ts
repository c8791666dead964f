/** A valid export request, as a producer would send it, for unit tests that need one. */
export const EXAMPLE_REQUEST = {
  api: 'vredis',
  instanceNo: '1234511',
  fileName: '20240702',
  bucketName: 'redis-backup',
  backupTypeMode: 'SYSTEM',
  regionCode: 'KR',
} as const;
