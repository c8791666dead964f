import { ContractError } from '../../shared/contract-core.ts';
import { type Register, writeLine } from '../context.ts';
import { withProducer } from '../lib/common.ts';

interface EnqueueFlags {
  api: string;
  instance: string;
  file: string;
  bucket: string;
  type: string;
  region?: string;
  meta?: string;
  force?: boolean;
  json?: boolean;
}

export const registerEnqueue: Register = (program, io) => {
  program
    .command('enqueue')
    .description('enqueue one export; prints its job id')
    .requiredOption('--api <api>', 'vredis or vcache')
    .requiredOption('--instance <instanceNo>', 'instance number')
    .requiredOption('--file <fileName>', 'backup file name')
    .requiredOption('--bucket <bucketName>', 'Object Storage bucket')
    .option('--type <backupTypeMode>', 'SYSTEM or MANUAL', 'SYSTEM')
    .option('--region <regionCode>', 'region code (default: NCP_REGION, else NCP decides)')
    .option('--meta <json>', 'JSON object echoed into the outcome')
    .option('--force', 'export again even if the same export is queued or recently finished')
    .option('--json', 'print the result as JSON')
    .action(async (flags: EnqueueFlags) => {
      const request = {
        api: flags.api,
        instanceNo: flags.instance,
        fileName: flags.file,
        bucketName: flags.bucket,
        backupTypeMode: flags.type,
        ...(flags.region ? { regionCode: flags.region } : {}),
        ...(flags.meta ? { meta: parseMeta(flags.meta) } : {}),
      };
      const [result] = await withProducer(
        io,
        (producer) => producer.enqueue([request], { force: flags.force ?? false }),
        () =>
          flags.force
            ? 'the export may or may not have been enqueued: check `status` before enqueueing it again with --force'
            : 'the export may or may not have been enqueued; enqueueing it again is safe: if it was, it is reported as a duplicate',
        { traced: true },
      );
      if (!result) return;
      if (flags.json) {
        const { jobId, added, rerunOf } = result;
        writeLine(io.stdout, JSON.stringify({ jobId, added, ...(rerunOf ? { rerunOf } : {}) }));
      } else {
        writeLine(io.stdout, result.jobId);
        if (result.rerunOf) {
          writeLine(io.stderr, `re-run after failure: ${result.rerunOf} failed; this is a new run`);
        } else if (!result.added) {
          writeLine(
            io.stderr,
            'duplicate: this export is already queued or recently finished (use --force to export again)',
          );
        }
      }
    });
};

function parseMeta(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ContractError([
      { field: 'meta', message: `is not valid JSON (${(error as Error).message})` },
    ]);
  }
}
