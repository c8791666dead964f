/**
 * A discovery's plan: list the instances, match them, list each one's backups, choose the files
 * and turn each into an export request. Nothing is enqueued here; problems with one instance
 * are recorded and the others go on. Only a failure to list the instances ends the plan.
 */
import {
  API_FAMILIES,
  type ApiFamily,
  type ExportRequest,
  formatFieldIssue,
  parseExportRequest,
} from '../../shared/contract.ts';
import type {
  DiscoveryApi,
  DiscoveryError,
  DiscoveryRequest,
} from '../../shared/discovery-contract.ts';
import { NcpError } from '../../shared/ncp/index.ts';
import {
  type ListCall,
  type ListedInstance,
  listAllInstances,
  listBackups,
  listNames,
} from './ncp-lists.ts';
import { chooseBackups, matchInstances } from './select.ts';

export interface PlannedFile {
  fileName: string;
  backupTime: string | null;
  request: ExportRequest;
}

export interface PlannedInstance {
  api: ApiFamily;
  instanceNo: string;
  name: string;
  regionCode: string | null;
  backupsListed: number | null;
  files: PlannedFile[];
}

export interface DiscoveryPlan {
  instancesSeen: number;
  instances: PlannedInstance[];
  errors: DiscoveryError[];
}

export interface PlanOptions {
  /** Region asked for: the request's, else NCP_REGION, else NCP's default (undefined). */
  regionCode: string | undefined;
  /** Resolved `since`; undefined chooses the newest backup. */
  since: Date | undefined;
  pageSize: number;
  /** Backup lists fetched at once (each still waits for the global rate limit). */
  concurrency: number;
  /** Meta given to every export request. */
  meta: Record<string, string>;
}

/** A family's list calls: the discovery runs one per family it lists. */
export type ListCalls = (api: ApiFamily) => ListCall;

/** The instances a discovery covers, before their backups are looked at. */
export interface ListedInstances {
  /** Distinct instances listed (one listed by both families counts once). */
  instancesSeen: number;
  matched: ListedInstance[];
  errors: DiscoveryError[];
}

/** The families a request lists, in the order they are read (vredis first: see below). */
export function familiesOf(api: DiscoveryApi): ApiFamily[] {
  return api === 'both' ? ['vredis', 'vcache'] : [api];
}

/**
 * Lists the instances of the request's families and matches them. With both families, an
 * instance number that vredis lists is one Redis instance whatever vcache says of it (NCP's
 * instance numbers are unique in an account; vcache lists Redis too): it is kept under vredis
 * and vcache's item is dropped, so its backups are exported once. vredis is kept because its
 * backup lists document `fileName` (vcache's do not) and because exports of such an instance
 * made by a vredis discovery carry vredis job ids, which then keep de-duplicating.
 * Rejects with an {@link NcpError} when an instance list cannot be read.
 */
export async function listDiscoveryInstances(
  calls: ListCalls,
  request: DiscoveryRequest,
  options: Pick<PlanOptions, 'regionCode' | 'pageSize'>,
): Promise<ListedInstances> {
  const errors: DiscoveryError[] = [];
  const byNumber = new Map<string, ListedInstance>();
  for (const api of familiesOf(request.api)) {
    const listed = await listAllInstances(calls(api), api, {
      regionCode: options.regionCode,
      pageSize: options.pageSize,
      instanceNos: request.instanceNos,
    });
    if (listed.unreadable > 0) {
      errors.push({
        instanceNo: null,
        kind: 'protocol',
        code: 'UNREADABLE_INSTANCE',
        message: `${listNames(api).instanceList} listed ${listed.unreadable} item(s) without a readable ${API_FAMILIES[api].instanceParam}; they were skipped`,
        retryable: false,
      });
    }
    for (const instance of listed.instances) {
      if (!byNumber.has(instance.instanceNo)) byNumber.set(instance.instanceNo, instance);
    }
  }
  const instances = [...byNumber.values()];
  return { instancesSeen: instances.length, matched: matchInstances(instances, request), errors };
}

/**
 * Builds the plan. Rejects with an {@link NcpError} when an instance list cannot be read, and
 * with anything that is not an NcpError (shutdown, a bug) as is.
 */
export async function planDiscovery(
  calls: ListCalls,
  request: DiscoveryRequest,
  options: PlanOptions,
): Promise<DiscoveryPlan> {
  const { instancesSeen, matched, errors } = await listDiscoveryInstances(calls, request, options);
  const instances = matched.map((instance) => plannedRow(instance, options.regionCode));

  let next = 0;
  const runner = async () => {
    while (next < matched.length) {
      const index = next++;
      const instance = matched[index]!;
      const found = await planInstance(
        calls(instance.api),
        request,
        options,
        instance,
        instances[index]!,
      );
      errors.push(...found);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, matched.length) }, runner));
  errors.sort((a, b) => (a.instanceNo ?? '').localeCompare(b.instanceNo ?? ''));
  return { instancesSeen, instances, errors };
}

/** An instance's row of the plan, files still to be chosen. */
export function plannedRow(
  instance: ListedInstance,
  regionCode: string | undefined,
): PlannedInstance {
  return {
    api: instance.api,
    instanceNo: instance.instanceNo,
    name: instance.name,
    regionCode: regionCode ?? instance.regionCode ?? null,
    backupsListed: null,
    files: [],
  };
}

/** Lists one instance's backups and fills `row`; returns its problems. */
async function planInstance(
  call: ListCall,
  request: DiscoveryRequest,
  options: PlanOptions,
  instance: ListedInstance,
  row: PlannedInstance,
): Promise<DiscoveryError[]> {
  const { api } = instance;
  const { instanceParam } = API_FAMILIES[api];
  const names = listNames(api);
  const listAction =
    request.backupTypeMode === 'MANUAL' ? names.manualBackupList : names.backupList;
  const problem = (code: string, message: string, kind: DiscoveryError['kind'] = 'protocol') => ({
    instanceNo: instance.instanceNo,
    kind,
    code,
    message,
    retryable: false,
  });

  let backups: Awaited<ReturnType<typeof listBackups>>;
  try {
    backups = await listBackups(call, api, {
      regionCode: options.regionCode,
      instanceNo: instance.instanceNo,
      type: request.backupTypeMode,
      instanceParam,
    });
  } catch (error) {
    if (!(error instanceof NcpError)) throw error;
    return [{ instanceNo: instance.instanceNo, ...error.toOutcomeError() }];
  }
  row.backupsListed = backups.length;
  const choice = chooseBackups(backups, options.since);
  const problems: DiscoveryError[] = [];
  if (choice.problem) {
    problems.push(problem('NO_BACKUP_TIME', `${listAction}: ${choice.problem}`));
  }
  for (const backup of choice.chosen) {
    const when = backup.time === undefined ? null : new Date(backup.time).toISOString();
    if (!backup.fileName) {
      problems.push(
        problem(
          'NO_FILE_NAME',
          `${listAction} lists a backup of ${instanceParam} ${instance.instanceNo} (${when ?? 'time unknown'}) without a fileName, and an export names its file. NCP documents no fileName for this list; export it with \`enqueue --file NAME\`, taking the name from the NCP console`,
        ),
      );
      continue;
    }
    const added = addFile(row, { fileName: backup.fileName, backupTime: when }, request, options);
    if (added) problems.push(problem('BAD_FILE_NAME', `${listAction} ${added}`, 'invalid'));
  }
  return problems;
}

/**
 * Adds the export of one file to `row`; returns why the export contract refuses it, if it does.
 */
export function addFile(
  row: PlannedInstance,
  file: { fileName: string; backupTime: string | null },
  request: Pick<DiscoveryRequest, 'bucketName' | 'backupTypeMode'>,
  options: Pick<PlanOptions, 'meta'>,
): string | undefined {
  const parsed = parseExportRequest({
    api: row.api,
    instanceNo: row.instanceNo,
    fileName: file.fileName,
    bucketName: request.bucketName,
    backupTypeMode: request.backupTypeMode,
    ...(row.regionCode ? { regionCode: row.regionCode } : {}),
    meta: options.meta,
  });
  if (!parsed.ok) {
    return `lists a file the export contract refuses: ${parsed.issues.map(formatFieldIssue).join('; ')}`;
  }
  row.files.push({ ...file, request: parsed.value });
  return undefined;
}
