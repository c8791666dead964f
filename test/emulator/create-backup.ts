/**
 * `createCloudRedisManualBackup` (vredis) and `createCloudCacheManualBackup` (vcache): start a
 * manual backup of one instance. As NCP's, the answer names no file: the new file shows up in
 * the manual backup detail list once made (`manualBackupDelayMs` later here), or never (the
 * `manualBackupNeverRate` fault). A second create while one is being made answers the
 * stand-in service error `1007014` (NCP publishes no code for "operation in progress").
 */
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import { instanceInRegion } from './instance-in-region.ts';
import { familyNoun } from './list-instances.ts';
import type { Action, ActionContext, ActionResult } from './routes.ts';
import { serviceError } from './service-errors.ts';

/** The create action of one family. */
export function createManualBackupAction(api: ApiFamily): Action {
  const name = `createCloud${familyNoun(api)}ManualBackup`;
  return {
    name,
    responseRoot: `${name}Response`,
    apis: [api],
    params: () => ({ required: [NCP_FAMILIES[api].instanceParam], optional: ['regionCode'] }),
    handle: createBackup,
  };
}

function createBackup(ctx: ActionContext): ActionResult {
  const { api, params, catalog, requestId } = ctx;
  const instanceParam = NCP_FAMILIES[api].instanceParam;
  const instanceNo = params.get(instanceParam)!;
  const found = instanceInRegion(catalog, api, params);
  if ('error' in found) return fail(found.error);
  const { instance, regionCode } = found;
  const { delayMs, never } = ctx.manualBackup ?? { delayMs: 0, never: false };
  const result = catalog.createManualBackup(instance, Date.now(), delayMs, never);
  if ('inProgress' in result) {
    return fail(
      serviceError(
        'backupInProgress',
        `A manual backup of ${instanceParam} ${instanceNo} is already in progress`,
      ),
    );
  }
  return {
    ok: true,
    value: { requestId, returnCode: '0', returnMessage: 'success' },
    created: { api, regionCode, instanceNo, fileName: result.created.fileName, never },
  };
}

function fail(error: ReturnType<typeof serviceError>): ActionResult {
  return { ok: false, error };
}
