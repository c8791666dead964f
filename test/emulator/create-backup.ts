/**
 * `createCloudRedisManualBackup` (vredis) and `createCloudCacheManualBackup` (vcache): start a
 * manual backup of one instance. As NCP's, the answer names no file: the new file shows up in
 * the manual backup detail list once made (`manualBackupDelayMs` later here), or never (the
 * `manualBackupNeverRate` fault). A second create while one is being made answers the
 * stand-in service error `1007014` (NCP publishes no code for "operation in progress").
 */
import { type ApiFamily, NCP_FAMILIES } from './families.ts';
import { familyNoun } from './list-instances.ts';
import type { Action, ActionContext, ActionResult } from './routes.ts';
import { quote, serviceError } from './service-errors.ts';

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
  const regionCode = params.get('regionCode') || catalog.defaultRegion;
  if (!catalog.hasRegion(regionCode)) {
    const regions = catalog.regions.join(', ');
    return fail(
      serviceError(
        'regionNotFound',
        `Invalid regionCode: ${quote(regionCode)} is not a region (${regions})`,
      ),
    );
  }
  const instance = catalog.instance(api, instanceNo);
  if (instance === undefined || instance.regionCode !== regionCode) {
    return fail(
      serviceError(
        'instanceNotFound',
        `Instance not found: ${instanceParam} ${quote(instanceNo)} does not exist in region ${regionCode}`,
      ),
    );
  }
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
