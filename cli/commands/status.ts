import type { ExportProducer } from '../../producer/producer.ts';
import { pending, readStatus, type StatusSnapshot } from '../../producer/status.ts';
import { loadRedisConfig } from '../../shared/config.ts';
import { delay } from '../../shared/delay.ts';
import { describeRedis } from '../../shared/redis.ts';
import { type CliIo, type Register, writeLine } from '../context.ts';
import { isRedisUnreachable, withReadOnlyProducer } from '../lib/common.ts';
import { parseInteger } from '../lib/filters.ts';

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
      await withReadOnlyProducer(io, async (producer) => {
        const signals = io.signals ?? process;
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        signals.once('SIGINT', onSignal);
        try {
          let first: StatusSnapshot | undefined;
          for (;;) {
            const snapshot = await readSnapshot(io, producer, flags.watch ?? false);
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
  watch: boolean,
): Promise<StatusSnapshot | undefined> {
  try {
    return await readStatus(producer);
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
    `throttle   ${formatThrottle(s)}`,
    `errors     ${formatErrors(s)}`,
  ];
  const auth = s.throttle.authPause;
  if (auth) {
    lines.unshift(
      `AUTH PAUSE since ${auth.since}: NCP refused access key ${auth.accessKeyId} ${auth.failures} times (errorCode ${auth.code}); no exports run. Fix NCP_ACCESS_KEY / NCP_SECRET_KEY and restart the workers (a probe call lifts the pause), or run \`ncp-cache-export resume-auth\``,
    );
  }
  if (start) lines.push(progressLine(s, start));
  return `${lines.join('\n')}\n`;
}

function formatThrottle(s: StatusSnapshot): string {
  const t = s.throttle;
  const parts = [t.pausedForMs > 0 ? `paused for ${(t.pausedForMs / 1000).toFixed(1)} s` : 'none'];
  if (t.strikes) parts[0] += ` (${t.strikes} 429s in a row)`;
  if (t.limitInForce !== undefined) {
    parts.push(`limit in force ${t.limitInForce} calls/s, learned from 429s`);
  }
  if (t.ncpAccepted !== undefined && t.lastThrottledAt !== undefined) {
    const ceiling = t.ceiling === undefined ? '' : `, 429s begin at ${t.ceiling} calls/s`;
    parts.push(
      `NCP accepted ${t.ncpAccepted} calls in the second before its last 429 (${t.lastThrottledAt})${ceiling}`,
    );
  }
  return parts.join('; ');
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
