/**
 * NCP's list APIs for discovery, read defensively: instance lists page by page, and the backup
 * detail lists of one instance. Answers are read the same whether NCP sent JSON (numbers,
 * arrays) or XML (all strings; a list of one item is not an array; an empty list is "").
 */
import type { ApiFamily } from '../../shared/contract.ts';
import { isRecord } from '../../shared/json.ts';

/** Calls one list action of the discovery's API family; resolves to the inner response. */
export type ListCall = (
  action: string,
  params: Readonly<Record<string, string | undefined>>,
) => Promise<Record<string, unknown>>;

/** One instance as an instance list gives it. */
export interface ListedInstance {
  /** The family whose list gave it. */
  api: ApiFamily;
  instanceNo: string;
  /** Service name; "" when NCP gave none. */
  name: string;
  regionCode: string | undefined;
  /** vcache's `cloudCacheDbmsCode` (`Redis` | `Valkey`); vredis lists Redis only and names none. */
  engine: string | undefined;
}

/** One backup as a backup detail list gives it. */
export interface ListedBackup {
  /** Absent from some lists (vcache's are not documented to carry it). */
  fileName: string | undefined;
  /** endTime, else startTime, in ms since epoch; undefined if neither can be read. */
  time: number | undefined;
}

/** Action and field names of one family; the vcache names are the vredis ones with Cache. */
export function listNames(api: ApiFamily) {
  const noun = api === 'vredis' ? 'Redis' : 'Cache';
  return {
    instanceList: `getCloud${noun}InstanceList`,
    instanceListKey: `cloud${noun}InstanceList`,
    instanceNo: `cloud${noun}InstanceNo`,
    serviceName: `cloud${noun}ServiceName`,
    instanceFilter: `cloud${noun}InstanceNoList`,
    backupList: `getCloud${noun}BackupDetailList`,
    manualBackupList: `getCloud${noun}ManualBackupDetailList`,
    /** Starts a manual backup; its answer names no file (the manual list will). */
    createManualBackup: `createCloud${noun}ManualBackup`,
    /** The manual list answers under the same name as the system one. */
    backupListKey: `cloud${noun}BackupDetailList`,
  } as const;
}

/** Safety stop: no account has this many pages of instances. */
const MAX_PAGES = 10_000;

export interface InstanceListOptions {
  regionCode: string | undefined;
  pageSize: number;
  /** Asks NCP for these instances only (`cloud…InstanceNoList.N`). */
  instanceNos?: readonly string[] | undefined;
}

export interface InstanceListResult {
  /** Each instance once, in NCP's order. */
  instances: ListedInstance[];
  /** Items without a readable instance number, left out. */
  unreadable: number;
}

/**
 * Every instance of the family in the region, following pages from `pageNo` 0 until a page
 * comes back short or empty. `totalRows` is only trusted to stop early when it is clearly a
 * total (larger than one page), since NCP does not say whether it counts the page or the list.
 */
export async function listAllInstances(
  call: ListCall,
  api: ApiFamily,
  options: InstanceListOptions,
): Promise<InstanceListResult> {
  const names = listNames(api);
  const filters = Object.fromEntries(
    (options.instanceNos ?? []).map((no, i) => [`${names.instanceFilter}.${i + 1}`, no]),
  );
  const seen = new Map<string, ListedInstance>();
  let unreadable = 0;
  let collected = 0;
  for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
    const body = await call(names.instanceList, {
      regionCode: options.regionCode,
      pageNo: String(pageNo),
      pageSize: String(options.pageSize),
      ...filters,
    });
    const items = readList(body, names.instanceListKey);
    collected += items.length;
    for (const item of items) {
      const instanceNo = text(item[names.instanceNo]);
      if (!instanceNo || !/^[0-9]{1,20}$/.test(instanceNo)) {
        unreadable++;
        continue;
      }
      if (!seen.has(instanceNo)) {
        seen.set(instanceNo, {
          api,
          instanceNo,
          engine: text(item.cloudCacheDbmsCode) || undefined,
          name: text(item[names.serviceName]) ?? '',
          regionCode: text(item.regionCode),
        });
      }
    }
    const total = Number(text(body.totalRows));
    if (items.length < options.pageSize) break;
    if (Number.isFinite(total) && total > items.length && collected >= total) break;
  }
  return { instances: [...seen.values()], unreadable };
}

/** The SYSTEM or MANUAL backups NCP lists for one instance. */
export async function listBackups(
  call: ListCall,
  api: ApiFamily,
  options: {
    regionCode: string | undefined;
    instanceNo: string;
    type: 'SYSTEM' | 'MANUAL';
    instanceParam: string;
  },
): Promise<ListedBackup[]> {
  const names = listNames(api);
  const body = await call(options.type === 'MANUAL' ? names.manualBackupList : names.backupList, {
    regionCode: options.regionCode,
    [options.instanceParam]: options.instanceNo,
  });
  return readList(body, names.backupListKey).map((item) => ({
    fileName: text(item.fileName) || undefined,
    time: parseNcpTime(item.endTime) ?? parseNcpTime(item.startTime),
  }));
}

/**
 * The items of list `key` in an answer: a JSON array, or XML's `<key><item/>…</key>` read as
 * an object holding one item or an array of them, or nothing ("" or absent).
 */
export function readList(body: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = body[key];
  if (Array.isArray(value)) return value.filter(isRecord);
  if (!isRecord(value)) return [];
  const inner = value[key.replace(/List$/, '')] ?? Object.values(value)[0];
  if (Array.isArray(inner)) return inner.filter(isRecord);
  return isRecord(inner) ? [inner] : [];
}

/**
 * NCP's times (`2024-07-02T03:00:00+0900`, an offset without a colon) or ISO 8601, as ms
 * since epoch; undefined when unreadable.
 */
export function parseNcpTime(value: unknown): number | undefined {
  const raw = text(value);
  if (!raw) return undefined;
  const iso = raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(iso)) {
    return undefined;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A scalar as text (XML gives strings, JSON may give numbers). */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
