import { type CliIo, writeLine } from '../../cli/context.ts';
import type { Register } from '../../cli/main.ts';
import { loadRedisConfig } from '../../shared/config.ts';
import { delay } from '../../shared/delay.ts';
import { describeRedis } from '../../shared/redis.ts';
import type { ExportProducer } from '../producer.ts';
import { pending, readStatus, type StatusSnapshot } from '../status.ts';
import { isRedisUnreachable, withReadOnlyProducer } from './common.ts';
import { parseInteger } from './filters.ts';

interface StatusFlags {
  json?: boolean;
  watch?: boolean;
  interval: string;
}

export const registerStatus: Register = (program, io) => {
  program
    .command('status')
    .description('counts per state, the rate being achieved, throttling, recent errors')
    .option('--json', 'print one JSON object (one per line with --watch)')
    .option('--watch', 'refresh until the queue drains')
    .option('--interval <ms>', 'refresh interval for --watch, 100 to 3600000', '1000')
    .action(async (flags: StatusFlags) => {
      const intervalMs = parseInteger('--interval', flags.interval, 100, 3_600_000);
      const prefix = loadRedisConfig(io.env).prefix;
      await withReadOnlyProducer(io, async (producer) => {
        const signals = io.signals ?? process;
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        signals.once('SIGINT', onSignal);
        try {
          let first: StatusSnapshot | undefined;
          for (;;) {
            const snapshot = await readSnapshot(io, producer, prefix, flags.watch ?? false);
            if (snapshot) {
              first ??= snapshot;
              if (flags.json) writeLine(io.stdout, JSON.stringify(snapshot));
              else {
                if (flags.watch && io.stdout.isTTY) io.stdout.write('\x1b[H\x1b[2J');
                io.stdout.write(renderStatus(snapshot, flags.watch ? first : undefined));
              }
            }
            if (!flags.watch || (snapshot && pending(snapshot) === 0) || stop.signal.aborted)
              return;
            await delay(intervalMs, stop.signal).catch(() => {});
            if (stop.signal.aborted) return;
          }
        } finally {
          signals.off('SIGINT', onSignal);
        }
      });
    });
};

/**
 * One snapshot; with --watch, Redis being unreachable is said on stderr and answered with
 * undefined, so the watch goes on and recovers when Redis is back (the connection reconnects).
 */
async function readSnapshot(
  io: CliIo,
  producer: ExportProducer,
  prefix: string,
  watch: boolean,
): Promise<StatusSnapshot | undefined> {
  try {
    return await readStatus(producer, prefix);
  } catch (error) {
    if (!watch || !isRedisUnreachable(error, producer)) throw error;
    writeLine(
      io.stderr,
      `Redis unreachable at ${describeRedis(loadRedisConfig(io.env))} (${(error as Error).message}), retrying`,
    );
    return undefined;
  }
}

export function renderStatus(s: StatusSnapshot, start?: StatusSnapshot): string {
  const e = s.exports;
  const lines = [
    `exports    waiting ${e.waiting + e.prioritized}  active ${e.active}  delayed ${e.delayed}  completed ${e.completed}  failed ${e.failed}`,
    `outcomes   ${s.outcomes} retained`,
    `workers    ${s.workers} connected`,
    `rate       ${s.throttle.callsLastSecond} calls in the last second`,
    `throttle   ${s.throttle.pausedForMs > 0 ? `paused for ${(s.throttle.pausedForMs / 1000).toFixed(1)} s` : 'none'}${s.throttle.strikes ? ` (${s.throttle.strikes} 429s in a row)` : ''}${s.throttle.limitInForce !== undefined ? `; limit cut to ${s.throttle.limitInForce} calls/s after 429s` : ''}`,
    `errors     ${formatErrors(s)}`,
  ];
  if (start) lines.push(progressLine(s, start));
  return `${lines.join('\n')}\n`;
}

function formatErrors(s: StatusSnapshot): string {
  const entries = Object.entries(s.recentErrors);
  if (entries.length === 0) return `none in the last ${s.recentWindow} outcomes`;
  return `${entries.map(([kind, n]) => `${kind} ${n}`).join(', ')} (last ${s.recentWindow} outcomes)`;
}

/** Progress since the watch began: finished exports over finished plus still pending. */
function progressLine(s: StatusSnapshot, start: StatusSnapshot): string {
  const finished = (x: StatusSnapshot) => x.exports.completed + x.exports.failed;
  const done = Math.max(0, finished(s) - finished(start));
  const total = done + pending(s);
  const share = total === 0 ? 1 : done / total;
  const width = 30;
  const filled = Math.round(share * width);
  return `progress   [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} (${Math.round(share * 100)}%)`;
}
