/**
 * The rate limiter's own record of the calls it booked as sent: the time (Redis clock) of
 * every SENT script run under one prefix, read with MONITOR through `redis-cli` in its own
 * process. Promises about the limit are judged on this record, not on when a second process
 * (the emulator) got round to counting the calls: its event loop lags on a busy machine.
 * The bench reads the same record (`bench/limited-run.ts`).
 */
import { spawn } from 'node:child_process';
import { limiterKeys } from '../../shared/limiter-keys.ts';

export interface LimiterRecord {
  /** The `redis-cli` process reading the record (the bench's clean-up tracks it). */
  readonly pid: number | undefined;
  /** Stops watching; returns the booking times, sorted (ms, Redis clock). */
  stop(): Promise<number[]>;
}

export async function watchLimiterRecord(redisUrl: string, prefix: string): Promise<LimiterRecord> {
  const child = spawn('redis-cli', ['-u', redisUrl, 'monitor'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const key = limiterKeys(prefix).calls;
  const pattern = new RegExp(`\\[\\d+ lua\\] "ZADD" "${escapeRegExp(key)}" "XX" "(\\d+)"`);
  const times: number[] = [];
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const booked = pattern.exec(line);
      if (booked) times.push(Number(booked[1]));
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve); // "OK": monitoring
    child.once('error', reject);
  });
  return {
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return times.sort((a, b) => a - b);
    },
  };
}

/** Most times that differ by less than `windowMs` (the emulator's definition of a window). */
export function mostWithin(sortedTimes: readonly number[], windowMs: number): number {
  let most = 0;
  let head = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    while (sortedTimes[i]! - sortedTimes[head]! >= windowMs) head++;
    most = Math.max(most, i - head + 1);
  }
  return most;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
