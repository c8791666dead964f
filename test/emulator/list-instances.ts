/**
 * `getCloudRedisInstanceList` (vredis) and `getCloudCacheInstanceList` (vcache): the instances
 * of one family in one region, paged with `pageNo` (from 0) and `pageSize`, optionally only
 * those named by `cloud…InstanceNoList.N`.
 *
 * Shape (NCP's docs give the list and field names; `totalRows` is emulated as the number of
 * matching instances over all pages, which NCP does not state):
 * `{ totalRows, cloudRedisInstanceList: [{ cloudRedisInstanceNo, cloudRedisServiceName,
 * cloudRedisInstanceStatusName, regionCode, isBackup, backupFileRetentionPeriod, backupTime }],
 * requestId, returnCode, returnMessage }`; vcache items also carry `cloudCacheDbmsCode`
 * (`Redis` | `Valkey`). A vredis instance seeded `listedByVcache` is in both families' lists.
 */
import type { ApiFamily } from './families.ts';
import type { Action, ActionContext, ActionResult } from './routes.ts';
import { quote, serviceError } from './service-errors.ts';

/** Most `cloud…InstanceNoList.N` filters one request may carry. */
export const MAX_INSTANCE_FILTERS = 1000;

/** `Redis` or `Cache`: the word that names a family in its actions and fields. */
export function familyNoun(api: ApiFamily): 'Redis' | 'Cache' {
  return api === 'vredis' ? 'Redis' : 'Cache';
}

/** The instance list action of one family. */
export function instanceListAction(api: ApiFamily): Action {
  const noun = familyNoun(api);
  const filterPrefix = `cloud${noun}InstanceNoList.`;
  const filters = Array.from({ length: MAX_INSTANCE_FILTERS }, (_, i) => `${filterPrefix}${i + 1}`);
  return {
    name: `getCloud${noun}InstanceList`,
    responseRoot: `getCloud${noun}InstanceListResponse`,
    apis: [api],
    params: () => ({ required: [], optional: ['regionCode', 'pageNo', 'pageSize', ...filters] }),
    handle: (ctx) => listInstances(ctx, noun, filterPrefix),
  };
}

function listInstances(ctx: ActionContext, noun: string, filterPrefix: string): ActionResult {
  const { api, params, catalog, requestId } = ctx;
  const regionCode = params.get('regionCode') || catalog.defaultRegion;
  if (!catalog.hasRegion(regionCode)) {
    return fail(
      'regionNotFound',
      `Invalid regionCode: ${quote(regionCode)} is not a region (${catalog.regions.join(', ')})`,
    );
  }
  const pageNo = params.get('pageNo');
  const pageSize = params.get('pageSize');
  if (pageNo !== undefined && !pageSize) {
    return fail(
      'missingParameter',
      'Required parameter is missing or empty: pageSize (with pageNo)',
    );
  }
  for (const [name, value] of [
    ['pageNo', pageNo],
    ['pageSize', pageSize],
  ] as const) {
    if (value && !/^[0-9]{1,9}$/.test(value)) {
      return fail('invalidParameterValue', `Invalid value for ${name}: ${quote(value)}`);
    }
  }
  if (pageSize === '0') return fail('invalidParameterValue', 'Invalid value for pageSize: "0"');

  const wanted = new Set(
    [...params].filter(([name]) => name.startsWith(filterPrefix)).map(([, value]) => value),
  );
  const all = catalog
    .instancesIn(api, regionCode)
    .filter((instance) => wanted.size === 0 || wanted.has(instance.instanceNo));
  const size = pageSize ? Number(pageSize) : all.length;
  const start = (pageNo ? Number(pageNo) : 0) * size;
  const page = all.slice(start, start + size);
  return {
    ok: true,
    value: {
      totalRows: all.length,
      [`cloud${noun}InstanceList`]: page.map((instance) => ({
        [`cloud${noun}InstanceNo`]: instance.instanceNo,
        [`cloud${noun}ServiceName`]: instance.name,
        // vcache names the DBMS (NCP's CloudCacheInstance.cloudCacheDbmsCode); vredis has none.
        ...(api === 'vcache' ? { cloudCacheDbmsCode: instance.engine ?? 'Redis' } : {}),
        [`cloud${noun}InstanceStatusName`]: 'running',
        regionCode: instance.regionCode,
        isBackup: instance.backups.length > 0,
        backupFileRetentionPeriod: 7,
        backupTime: '03:00',
      })),
      requestId,
      returnCode: '0',
      returnMessage: 'success',
    },
  };
}

function fail(cause: Parameters<typeof serviceError>[0], message: string): ActionResult {
  return { ok: false, error: serviceError(cause, message) };
}
