/**
 * NCP's two API families that expose `exportBackupToObjectStorage`, written here from NCP's
 * documentation (`shared/reference/ncp-api.md`), not imported from the product: the emulator
 * plays NCP's side, so a wrong base path or parameter name in the product must meet NCP's
 * real one here and fail. `test/unit/ncp-families.test.ts` checks the two copies agree.
 */
export const NCP_FAMILIES = {
  vredis: { basePath: '/vredis/v2', instanceParam: 'cloudRedisInstanceNo' },
  vcache: { basePath: '/vcache/v2', instanceParam: 'cloudCacheInstanceNo' },
} as const satisfies Record<string, { basePath: string; instanceParam: string }>;

/** An API family by its short name, as the emulator's seed and recorder spell it. */
export type ApiFamily = keyof typeof NCP_FAMILIES;
