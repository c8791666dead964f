import { planRetries } from '../../producer/retry.ts';
import { CliError, EXIT, type Register, writeLine } from '../context.ts';
import { withProducer } from '../lib/common.ts';
import { parseKinds, parseSince } from '../lib/filters.ts';

interface RetryFlags {
  all?: boolean;
  kind?: string;
  since?: string;
  dryRun?: boolean;
}

export const registerRetry: Register = (program, io) => {
  program
    .command('retry')
    .description('re-run exports that failed for good; each re-run writes a new outcome')
    .argument('[jobIds...]', 'job ids of failed exports (see `results --status failed`)')
    .option('--all', 'every export whose latest run failed')
    .option('--kind <kinds>', 'only failures of these kinds, e.g. server,network')
    .option('--since <iso>', 'only failures that finished at or after this time')
    .option('--dry-run', 'show what would be re-run, enqueue nothing')
    .action(async (jobIds: string[], flags: RetryFlags) => {
      if (!flags.all && jobIds.length === 0) {
        throw new CliError('retry: name job ids, or pass --all', EXIT.badInput);
      }
      if (flags.all && jobIds.length > 0) {
        throw new CliError('retry: pass job ids or --all, not both', EXIT.badInput);
      }
      const filter = { kinds: parseKinds(flags.kind), since: parseSince(flags.since) };
      await withProducer(
        io,
        async (producer) => {
          if (!flags.all) {
            // A job id with no outcome is a typo or an export still running: refuse them all.
            const kinds = await Promise.all(jobIds.map((jobId) => producer.ledger.kindOf(jobId)));
            const unknown = jobIds.filter((_, i) => kinds[i] === undefined);
            if (unknown.length > 0) {
              throw new CliError(
                `retry: no outcome for ${unknown.join(', ')}: not finished yet, or never enqueued (see \`results --status failed\`); nothing re-run`,
                EXIT.badInput,
              );
            }
          }
          const plan = await planRetries(
            producer,
            flags.all ? { all: true, filter } : { all: false, jobIds, filter },
          );
          for (const skip of plan.skipped)
            writeLine(io.stderr, `skipped ${skip.jobId}: ${skip.reason}`);
          if (flags.dryRun) {
            for (const item of plan.retries)
              writeLine(io.stdout, `would retry ${item.failedJobId} as ${item.jobId}`);
            writeLine(
              io.stderr,
              `dry run: ${plan.retries.length} would be re-run, ${plan.skipped.length} skipped`,
            );
            return;
          }
          const added = await producer.add(
            plan.retries.map(({ jobId, request }) => ({ jobId, request })),
          );
          plan.retries.forEach((item, i) => {
            const verb = added[i]?.added ? 'retrying' : 'already queued';
            writeLine(io.stdout, `${verb} ${item.failedJobId} as ${item.jobId}`);
          });
          const count = added.filter((result) => result.added).length;
          writeLine(io.stderr, `${count} re-enqueued, ${plan.skipped.length} skipped`);
        },
        () =>
          're-runs may or may not have been enqueued; running retry again is safe: a failure already re-run is skipped',
        { traced: true },
      );
    });
};
