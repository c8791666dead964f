/**
 * `ncp-cache-export discover`: enqueues a discovery job, waits for a worker to run it, and
 * prints what it found and enqueued. The listing runs in a worker so that its NCP calls share
 * the global rate limit; with no worker running, the command says so instead of waiting.
 */

import {
  enqueueDiscovery,
  openDiscoveryQueue,
  waitForDiscovery,
} from '../../producer/discovery.ts';
import { loadJobPolicy } from '../../shared/config.ts';
import { DEFAULTS } from '../../shared/defaults.ts';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import { CliError, EXIT, type Register, writeLine } from '../context.ts';
import { withProducer } from '../lib/common.ts';
import {
  addDiscoverOptions,
  type DiscoverFlags,
  discoveryRequestFrom,
} from '../lib/discover-options.ts';
import { renderDiscovery } from '../lib/discovery-table.ts';

interface DiscoverCommandFlags extends DiscoverFlags {
  json?: boolean;
  wait: boolean;
  timeout?: string;
}

export const registerDiscover: Register = (program, io, setExitCode) => {
  const command = program
    .command('discover')
    .description(
      "find every instance's backups and enqueue their exports (run by a worker, under the rate limit)",
    );
  addDiscoverOptions(command)
    .option('--json', 'print the discovery outcome as JSON')
    .option('--no-wait', 'enqueue the discovery, print its job id, and return')
    .option(
      '--timeout <seconds>',
      'how long to wait for the outcome (default 600; 3600 with --fresh)',
    )
    .action(async (flags: DiscoverCommandFlags) => {
      const request = discoveryRequestFrom(flags, io.env);
      const timeout =
        flags.timeout ??
        String(flags.fresh ? DEFAULTS.discoverFreshWaitSeconds : DEFAULTS.discoverWaitSeconds);
      const timeoutMs = Number(timeout) * 1000;
      if (!(timeoutMs > 0)) {
        throw new CliError(`--timeout: "${timeout}" is not a number of seconds`, EXIT.badInput);
      }
      const policy = loadJobPolicy(io.env);
      await withProducer(io, async (producer) => {
        const queue = openDiscoveryQueue(producer);
        try {
          if (flags.wait && (await workersOf(queue)) === 0) {
            throw new CliError(
              'no worker is running to carry out the discovery (start `ncp-cache-export worker`), or pass --no-wait to leave it queued for one',
            );
          }
          const jobId = await enqueueDiscovery(queue, request, policy);
          if (!flags.wait) {
            writeLine(io.stdout, flags.json ? JSON.stringify({ jobId }) : jobId);
            return;
          }
          writeLine(io.stderr, `discovery ${jobId} enqueued; waiting for a worker to run it`);
          const stop = new AbortController();
          const onSignal = () => stop.abort(new Error('interrupted'));
          (io.signals ?? process).once('SIGINT', onSignal);
          let result: Awaited<ReturnType<typeof waitForDiscovery>>;
          try {
            result = await waitForDiscovery(producer, queue, jobId, {
              timeoutMs,
              signal: stop.signal,
            });
          } catch (error) {
            if (!stop.signal.aborted) throw error;
            throw new CliError(
              `stopped waiting; discovery ${jobId} goes on, and writes its outcome to cache-export-results`,
            );
          } finally {
            (io.signals ?? process).off('SIGINT', onSignal);
          }
          if (!('jobId' in result)) throw new CliError(explain(jobId, result, timeout));
          if (flags.json) writeLine(io.stdout, JSON.stringify(result));
          else io.stdout.write(renderDiscovery(result));
          setExitCode(exitCodeOf(result));
        } finally {
          await queue.close();
        }
      });
    });
};

/** 0 when everything chosen could be handled, 1 when an instance or the run had a problem. */
export function exitCodeOf(outcome: DiscoveryOutcome): number {
  return outcome.status === 'succeeded' ? EXIT.ok : EXIT.failure;
}

async function workersOf(queue: ReturnType<typeof openDiscoveryQueue>): Promise<number> {
  try {
    return await queue.getWorkersCount();
  } catch {
    return -1; // CLIENT LIST not allowed: cannot tell, so wait and see
  }
}

function explain(
  jobId: string,
  failure: Exclude<Awaited<ReturnType<typeof waitForDiscovery>>, DiscoveryOutcome>,
  timeout: string,
): string {
  switch (failure.reason) {
    case 'timeout':
      return `no outcome for discovery ${jobId} within ${timeout} s (it is ${failure.state}); it goes on, and writes its outcome to cache-export-results`;
    case 'failed':
      return `discovery ${jobId} failed without an outcome: ${failure.message}`;
    case 'gone':
      return `discovery ${jobId} disappeared from the queue without an outcome`;
  }
}
