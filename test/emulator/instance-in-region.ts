/**
 * The instance a call names, in the region it names (else the catalog's default), as the
 * backup actions look it up: NCP's service error when the region or the instance is unknown.
 */
import type { Catalog } from './catalog.ts';
import type { ApiFamily } from './families.ts';
import { NCP_FAMILIES } from './families.ts';
import type { ServiceError } from './responses.ts';
import type { SeedInstance } from './seed.ts';
import { quote, serviceError } from './service-errors.ts';

export function instanceInRegion(
  catalog: Catalog,
  api: ApiFamily,
  params: ReadonlyMap<string, string>,
): { instance: SeedInstance; regionCode: string } | { error: ServiceError } {
  const instanceParam = NCP_FAMILIES[api].instanceParam;
  const instanceNo = params.get(instanceParam)!;
  const regionCode = params.get('regionCode') || catalog.defaultRegion;
  if (!catalog.hasRegion(regionCode)) {
    const regions = catalog.regions.join(', ');
    return {
      error: serviceError(
        'regionNotFound',
        `Invalid regionCode: ${quote(regionCode)} is not a region (${regions})`,
      ),
    };
  }
  const instance = catalog.instance(api, instanceNo);
  if (instance === undefined || instance.regionCode !== regionCode) {
    return {
      error: serviceError(
        'instanceNotFound',
        `Instance not found: ${instanceParam} ${quote(instanceNo)} does not exist in region ${regionCode}`,
      ),
    };
  }
  return { instance, regionCode };
}
