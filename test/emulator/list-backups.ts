/**
 * The backup detail lists of one instance: `getCloudRedisBackupDetailList`,
 * `getCloudRedisManualBackupDetailList`, `getCloudCacheBackupDetailList` and
 * `getCloudCacheManualBackupDetailList`.
 *
 * Shape (from NCP's docs; the manual lists answer with the same list name as the system ones):
 * `{ totalRows, cloudRedisBackupDetailList: [{ startTime, endTime, backupSize, dataStorageSize,
 * fileName }], requestId, returnCode, returnMessage }`, times as NCP writes them
 * (`2024-07-02T03:00:00+0900`). The vcache lists leave `fileName` out when the seed says
 * `vcacheFileNames: false` (NCP's docs do not list it for them).
 */
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import { familyNoun } from './list-instances.ts';
import type { Action, ActionContext, ActionResult } from './routes.ts';
import { quote, serviceError } from './service-errors.ts';

const KST_OFFSET_MS = 9 * 3_600_000;

/** The system (`manual: false`) or manual backup detail list action of one family. */
export function backupDetailListAction(api: ApiFamily, manual: boolean): Action {
  const noun = familyNoun(api);
  const name = `getCloud${noun}${manual ? 'Manual' : ''}BackupDetailList`;
  return {
    name,
    responseRoot: `${name}Response`,
    apis: [api],
    params: () => ({ required: [NCP_FAMILIES[api].instanceParam], optional: ['regionCode'] }),
    handle: (ctx) => listBackups(ctx, noun, manual ? 'MANUAL' : 'SYSTEM'),
  };
}

function listBackups(ctx: ActionContext, noun: string, type: 'SYSTEM' | 'MANUAL'): ActionResult {
  const { api, params, catalog, requestId } = ctx;
  const instanceParam = NCP_FAMILIES[api].instanceParam;
  const instanceNo = params.get(instanceParam)!;
  const regionCode = params.get('regionCode') || catalog.defaultRegion;
  if (!catalog.hasRegion(regionCode)) {
    return {
      ok: false,
      error: serviceError(
        'regionNotFound',
        `Invalid regionCode: ${quote(regionCode)} is not a region (${catalog.regions.join(', ')})`,
      ),
    };
  }
  const instance = catalog.instance(api, instanceNo);
  if (instance === undefined || instance.regionCode !== regionCode) {
    return {
      ok: false,
      error: serviceError(
        'instanceNotFound',
        `Instance not found: ${instanceParam} ${quote(instanceNo)} does not exist in region ${regionCode}`,
      ),
    };
  }
  const withFileName = api !== 'vcache' || catalog.vcacheFileNames;
  const items = catalog
    .backupsOf(instance, Date.now())
    .filter((backup) => backup.type === type)
    .map((backup) => ({
      startTime: ncpTime(backup.startTime),
      endTime: ncpTime(backup.endTime),
      backupSize: backup.backupSize,
      dataStorageSize: backup.backupSize * 4,
      ...(withFileName ? { fileName: backup.fileName } : {}),
    }));
  return {
    ok: true,
    value: {
      totalRows: items.length,
      [`cloud${noun}BackupDetailList`]: items,
      requestId,
      returnCode: '0',
      returnMessage: 'success',
    },
  };
}

/** A seed time as NCP writes times: Korean time with a `+0900` offset, no milliseconds. */
export function ncpTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 19)}+0900`;
}
