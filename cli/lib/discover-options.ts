/**
 * The options that describe a discovery, shared by `discover` and `schedule add … --`, and
 * their translation into a validated discovery request (and back, for `schedule list`).
 */
import { type Command, Option } from 'commander';
import { type Env, loadExportRegion } from '../../shared/config.ts';
import { type DiscoveryRequest, parseDiscoveryRequest } from '../../shared/discovery-contract.ts';
import { CliError, EXIT } from '../context.ts';

export interface DiscoverFlags {
  api: string;
  bucket: string;
  region?: string;
  /** Absent: SYSTEM, or MANUAL with `fresh`. */
  type?: string;
  latest?: boolean;
  since?: string;
  instance?: string[];
  nameFilter?: string;
  dryRun?: boolean;
  fresh?: boolean;
}

/** The contract field behind each option, to name options in messages. */
const FLAG_OF: Record<string, string> = {
  api: '--api',
  bucketName: '--bucket',
  regionCode: '--region',
  backupTypeMode: '--type',
  since: '--since',
  instanceNos: '--instance',
  nameFilter: '--name-filter',
  dryRun: '--dry-run',
  fresh: '--fresh',
};

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
];

/** Adds the discovery options to `command`. */
export function addDiscoverOptions(command: Command): Command {
  return command
    .requiredOption(
      '--api <api>',
      'vredis, vcache, or both (an instance both list is exported once, through vredis)',
    )
    .requiredOption('--bucket <bucketName>', 'Object Storage bucket that receives the files')
    .option('--region <regionCode>', 'region to discover (default: NCP_REGION, else NCP decides)')
    .option(
      '--type <backupTypeMode>',
      'SYSTEM or MANUAL backups (default: SYSTEM; MANUAL with --fresh)',
    )
    .addOption(
      new Option('--latest', 'the newest backup of each instance (the default)').conflicts('since'),
    )
    .option('--since <time>', 'every backup since an ISO time, or a duration back (36h, 7d)')
    .option('--instance <instanceNo>', 'only this instance (repeat, or comma-separate)', collect)
    .option('--name-filter <glob>', 'only instances whose service name matches (* and ?)')
    .option('--dry-run', 'show what would be enqueued, enqueue nothing')
    .option(
      '--fresh',
      'create a manual backup of each instance now, wait for its file, and export that file',
    );
}

/**
 * The validated request the flags describe; a missing region is resolved as for exports (loadExportRegion).
 * @throws CliError (exit 2) naming each bad option
 */
export function discoveryRequestFrom(flags: DiscoverFlags, env: Env): DiscoveryRequest {
  const regionCode = flags.region ?? loadExportRegion(env);
  const parsed = parseDiscoveryRequest({
    api: flags.api,
    bucketName: flags.bucket,
    backupTypeMode: flags.type ?? (flags.fresh ? 'MANUAL' : 'SYSTEM'),
    ...(regionCode ? { regionCode } : {}),
    ...(flags.since !== undefined ? { since: flags.since } : {}),
    ...(flags.instance ? { instanceNos: flags.instance } : {}),
    ...(flags.nameFilter !== undefined ? { nameFilter: flags.nameFilter } : {}),
    dryRun: flags.dryRun ?? false,
    ...(flags.fresh ? { fresh: true } : {}),
  });
  if (parsed.ok) return parsed.value;
  const lines = parsed.issues.map((issue) => {
    const [field = '', index] = issue.field.split('.');
    const flag = FLAG_OF[field] ?? field;
    return `  ${flag}${index === undefined ? '' : ` (#${Number(index) + 1})`}: ${issue.message}`;
  });
  throw new CliError(`invalid discovery options:\n${lines.join('\n')}`, EXIT.badInput);
}

/** The options that describe `request`, as a command line (for `schedule list`). */
export function discoverArgs(request: DiscoveryRequest): string {
  const args = [`--api ${request.api}`, `--bucket ${request.bucketName}`];
  if (request.regionCode) args.push(`--region ${request.regionCode}`);
  if (request.backupTypeMode !== 'SYSTEM') args.push(`--type ${request.backupTypeMode}`);
  if (request.fresh) args.push('--fresh');
  else args.push(request.since === undefined ? '--latest' : `--since ${request.since}`);
  for (const instanceNo of request.instanceNos ?? []) args.push(`--instance ${instanceNo}`);
  if (request.nameFilter !== undefined) args.push(`--name-filter '${request.nameFilter}'`);
  if (request.dryRun) args.push('--dry-run');
  return args.join(' ');
}
