/**
 * `exportBackupToObjectStorage` of both families: checks the instance, the backup and the
 * bucket against the seed, and on success hands back the export to record.
 */
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import { instanceInRegion } from './instance-in-region.ts';
import type { Action, ActionContext, ActionResult } from './routes.ts';
import { quote, serviceError } from './service-errors.ts';

const BACKUP_TYPES = ['SYSTEM', 'MANUAL'] as const;

/** The export action, reached as `/vredis/v2/…` and `/vcache/v2/…`. */
export const exportBackupAction: Action = {
  name: 'exportBackupToObjectStorage',
  responseRoot: 'exportBackupToObjectStorageResponse',
  apis: ['vredis', 'vcache'],
  params: (api: ApiFamily) => ({
    required: ['fileName', 'bucketName', NCP_FAMILIES[api].instanceParam, 'backupTypeMode'],
    optional: ['regionCode'],
  }),
  handle: exportBackup,
};

function exportBackup({ api, params, catalog, requestId }: ActionContext): ActionResult {
  const instanceParam = NCP_FAMILIES[api].instanceParam;
  const instanceNo = params.get(instanceParam)!;
  const fileName = params.get('fileName')!;
  const bucketName = params.get('bucketName')!;
  const mode = params.get('backupTypeMode')!;
  const regionCode = params.get('regionCode') || catalog.defaultRegion;

  const backupTypeMode = BACKUP_TYPES.find((type) => type === mode);
  if (backupTypeMode === undefined) {
    return fail(
      serviceError(
        'invalidParameterValue',
        `Invalid value for backupTypeMode: ${quote(mode)} (expected SYSTEM or MANUAL)`,
      ),
    );
  }
  const found = instanceInRegion(catalog, api, params);
  if ('error' in found) return fail(found.error);
  const { instance } = found;
  if (
    !catalog
      .backupsOf(instance, Date.now())
      .some((b) => b.fileName === fileName && b.type === backupTypeMode)
  ) {
    return fail(
      serviceError(
        'backupNotFound',
        `Backup not found: fileName ${quote(fileName)} is not a ${backupTypeMode} backup of ${instanceParam} ${instanceNo}`,
      ),
    );
  }
  if (!catalog.hasBucket(bucketName)) {
    return fail(
      serviceError(
        'bucketNotFound',
        `Bucket not found: bucketName ${quote(bucketName)} is not an Object Storage bucket of this account`,
      ),
    );
  }
  return {
    ok: true,
    value: { requestId, returnCode: '0', returnMessage: 'success' },
    accepted: { api, regionCode, instanceNo, fileName, bucketName, backupTypeMode, requestId },
  };
}

function fail(error: ReturnType<typeof serviceError>): ActionResult {
  return { ok: false, error };
}
