import { writeLine } from '../../cli/context.ts';
import type { Register } from '../../cli/main.ts';
import { loadRedisConfig } from '../../shared/config.ts';
import { delay } from '../../shared/delay.ts';
import { pending, readStatus, type StatusSnapshot } from '../status.ts';
import { withReadOnlyProducer } from './common.ts';

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
    .option('--interval <ms>', 'refresh interval for --watch', '1000')
    .action(async (flags: StatusFlags) => {
      const prefix = loadRedisConfig(io.env).prefix;
      await withReadOnlyProducer(io, async (producer) => {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        try {
          let first: StatusSnapshot | undefined;
          for (;;) {
            const snapshot = await readStatus(producer, prefix);
            first ??= snapshot;
            if (flags.json) writeLine(io.stdout, JSON.stringify(snapshot));
            else {
              if (flags.watch && io.stdout.isTTY) io.stdout.write('\x1b[H\x1b[2J');
              io.stdout.write(renderStatus(snapshot, flags.watch ? first : undefined));
            }
            if (!flags.watch || pending(snapshot) === 0 || stop.signal.aborted) return;
            await delay(Number(flags.interval) || 1000, stop.signal).catch(() => {});
            if (stop.signal.aborted) return;
          }
        } finally {
          process.off('SIGINT', onSignal);
        }
      });
    });
};

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
