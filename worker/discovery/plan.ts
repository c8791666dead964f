/**
 * A discovery's plan: list the instances, match them, list each one's backups, choose the files
 * and turn each into an export request. Nothing is enqueued here; problems with one instance
 * are recorded and the others go on. Only a failure to list the instances ends the plan.
 */
import {
  API_FAMILIES,
  type ExportRequest,
  formatFieldIssue,
  parseExportRequest,
} from '../../shared/contract.ts';
import type { DiscoveryError, DiscoveryRequest } from '../../shared/discovery-contract.ts';
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

/**
 * Builds the plan. Rejects with an {@link NcpError} when the instance list cannot be read, and
 * with anything that is not an NcpError (shutdown, a bug) as is.
 */
export async function planDiscovery(
  call: ListCall,
  request: DiscoveryRequest,
  options: PlanOptions,
): Promise<DiscoveryPlan> {
  const { api } = request;
  const listed = await listAllInstances(call, api, {
    regionCode: options.regionCode,
    pageSize: options.pageSize,
    instanceNos: request.instanceNos,
  });
  const errors: DiscoveryError[] = [];
  if (listed.unreadable > 0) {
    errors.push({
      instanceNo: null,
      kind: 'protocol',
      code: 'UNREADABLE_INSTANCE',
      message: `${listNames(api).instanceList} listed ${listed.unreadable} item(s) without a readable ${API_FAMILIES[api].instanceParam}; they were skipped`,
      retryable: false,
    });
  }
  const matched = matchInstances(listed.instances, request);
  const instances: PlannedInstance[] = matched.map((instance) => ({
    instanceNo: instance.instanceNo,
    name: instance.name,
    regionCode: options.regionCode ?? instance.regionCode ?? null,
    backupsListed: null,
    files: [],
  }));

  let next = 0;
  const runner = async () => {
    while (next < matched.length) {
      const index = next++;
      const found = await planInstance(call, request, options, matched[index]!, instances[index]!);
      errors.push(...found);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, matched.length) }, runner));
  errors.sort((a, b) => (a.instanceNo ?? '').localeCompare(b.instanceNo ?? ''));
  return { instancesSeen: listed.instances.length, instances, errors };
}

/** Lists one instance's backups and fills `row`; returns its problems. */
async function planInstance(
  call: ListCall,
  request: DiscoveryRequest,
  options: PlanOptions,
  instance: ListedInstance,
  row: PlannedInstance,
): Promise<DiscoveryError[]> {
  const { api } = request;
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
    const parsed = parseExportRequest({
      api,
      instanceNo: instance.instanceNo,
      fileName: backup.fileName,
      bucketName: request.bucketName,
      backupTypeMode: request.backupTypeMode,
      ...(row.regionCode ? { regionCode: row.regionCode } : {}),
      meta: options.meta,
    });
    if (!parsed.ok) {
      const why = parsed.issues.map(formatFieldIssue).join('; ');
      problems.push(
        problem(
          'BAD_FILE_NAME',
          `${listAction} lists a file the export contract refuses: ${why}`,
          'invalid',
        ),
      );
      continue;
    }
    row.files.push({ fileName: backup.fileName, backupTime: when, request: parsed.value });
  }
  return problems;
}
