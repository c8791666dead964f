/**
 * `callUnderLimit`: one NCP call under the global rate limit, repeated while NCP throttles.
 * The limiter and the clock are fakes; the time a pause takes is the fake clock moving on.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NcpError, type NcpResponse } from '../../shared/ncp/index.ts';
import type { AuthBreaker } from '../../worker/auth-breaker.ts';
import {
  type CallLimiter,
  callUnderLimit,
  type LimitedCallDeps,
  type SendCall,
} from '../../worker/ncp-call.ts';
import type { ThrottleDecision } from '../../worker/throttle.ts';
import { CountingLimiter } from '../helpers/counting-limiter.ts';
import { authError, serverError, throttledError } from '../helpers/ncp-errors.ts';

const T0 = 1_700_000_000_000;
const success: NcpResponse = {
  httpStatus: 200,
  requestId: 'req-ok',
  returnCode: '0',
  returnMessage: 'success',
  body: {},
};

/**
 * A counting limiter on a fake clock: a 429's pause is waited out at the next acquire by moving
 * the clock on, as the real limiter waits in Redis.
 */
class ClockedLimiter extends CountingLimiter {
  clock = T0;
  #pendingMs = 0;
  override async acquire(
    signal?: AbortSignal,
    onWait?: (waitMs: number, paused: boolean) => void,
  ): Promise<string> {
    this.clock += this.#pendingMs;
    this.#pendingMs = 0;
    return super.acquire(signal, onWait);
  }
  override async throttled(retryAfterMs: number | undefined): Promise<number> {
    const pauseMs = await super.throttled(retryAfterMs);
    this.#pendingMs = pauseMs;
    return pauseMs;
  }
}

/** Answers one scripted result per call; `written` false: fails before the request is sent. */
function scripted(answers: Array<NcpResponse | Error | { error: Error; written: false }>) {
  const sends = { count: 0 };
  const send: SendCall = async (onSent) => {
    const answer = answers[Math.min(sends.count++, answers.length - 1)]!;
    if ('written' in answer) throw answer.error;
    onSent();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { send, sends };
}

function setup(options: Partial<LimitedCallDeps> = {}) {
  const limiter = new ClockedLimiter();
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  const deps: LimitedCallDeps = {
    limiter,
    throttleMaxWaitMs: 1000,
    shutdown: new AbortController().signal,
    now: () => limiter.clock,
    ...options,
  };
  const call = (send: SendCall) => callUnderLimit(deps, send, log, 'ncp test call');
  return { limiter, lines, call };
}

describe('callUnderLimit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('repeats a throttled call until it succeeds, booking each call once', async () => {
    const { limiter, lines, call } = setup();
    const { send, sends } = scripted([throttledError(), throttledError(200), success]);
    await expect(call(send)).resolves.toBe(success);
    expect(sends.count).toBe(3);
    expect(limiter.acquired).toBe(3);
    expect(limiter.booked).toEqual(['booking-1', 'booking-2', 'booking-3']);
    expect(limiter.throttles).toEqual([undefined, 200]);
    // 10 ms (no Retry-After) + 200 ms of pauses, waited out before the later calls.
    expect(limiter.clock).toBe(T0 + 210);
    expect(lines.map((line) => line.msg)).toEqual([
      'ncp test call failed',
      'ncp test call failed',
      'ncp test call succeeded',
    ]);
  });

  it('gives up with the last 429 when its pause would pass throttleMaxWaitMs', async () => {
    const { limiter, call } = setup({ throttleMaxWaitMs: 1000 });
    const last = throttledError(601);
    const { send, sends } = scripted([throttledError(400), last, success]);
    // 400 ms waited; 400 + 601 > 1000.
    await expect(call(send)).rejects.toBe(last);
    expect(sends.count).toBe(2);
    expect(limiter.booked).toEqual(['booking-1', 'booking-2']);
  });

  it('repeats while a pause ends exactly at throttleMaxWaitMs', async () => {
    const { limiter, call } = setup({ throttleMaxWaitMs: 1000 });
    const { send } = scripted([throttledError(400), throttledError(600), success]);
    await expect(call(send)).resolves.toBe(success);
    expect(limiter.clock).toBe(T0 + 1000);
  });

  it('fails with PAUSED, calling nothing, when the global pause alone passes the bound', async () => {
    const { limiter, call } = setup({ throttleMaxWaitMs: 1000 });
    limiter.pausedForMs = 1001;
    const { send, sends } = scripted([success]);
    const error = await call(send).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NcpError);
    expect(error).toMatchObject({ kind: 'throttled', code: 'PAUSED', retryable: true });
    expect((error as NcpError).message).toContain('1001 ms');
    expect(sends.count).toBe(0);
    expect(limiter.acquired).toBe(0);
    expect(limiter.booked).toEqual([]);

    limiter.pausedForMs = 1000; // ends right at the bound: waited out
    await expect(call(send)).resolves.toBe(success);
  });

  it('fails with the last 429, not PAUSED, when a later global pause passes the bound', async () => {
    const { limiter, call } = setup({ throttleMaxWaitMs: 1000 });
    const first = throttledError(100);
    const { send, sends } = scripted([first, success]);
    const paused = call(async (onSent) => {
      if (sends.count === 0) limiter.pausedForMs = 5000; // another worker's 429 pauses all
      return send(onSent);
    });
    await expect(paused).rejects.toBe(first);
    expect(sends.count).toBe(1);
  });

  it('uses the pause of a throttle decision, and logs the decision', async () => {
    const limiter = new ClockedLimiter();
    const decision: ThrottleDecision = {
      pauseMs: 1500,
      estimate: 18,
      limitCutTo: 17.46,
      retryAfterCappedFromMs: undefined,
      oldNews: false,
    };
    const deciding: CallLimiter = {
      acquire: (signal, onWait) => limiter.acquire(signal, onWait),
      sent: (booking) => limiter.sent(booking),
      throttled: async () => decision,
    };
    const { lines, call } = setup({ limiter: deciding, now: () => limiter.clock });
    const error = throttledError();
    await expect(call(scripted([error, success]).send)).rejects.toBe(error);
    expect(lines.map((line) => line.msg)).toContain(
      'NCP throttled after accepting 18 calls in a second: limit in force now 17.46 calls/s, every worker pauses 1500 ms',
    );
  });

  it('books a call as sent once, also when it failed before it was written', async () => {
    const { limiter, call } = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const error = await call(scripted([{ error: refused, written: false }]).send).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ kind: 'network', code: 'ECONNREFUSED', cause: refused });
    expect(limiter.booked).toEqual(['booking-1']);

    const twice: SendCall = async (onSent) => {
      onSent();
      onSent();
      return success;
    };
    await expect(call(twice)).resolves.toBe(success);
    expect(limiter.booked).toEqual(['booking-1', 'booking-2']);
  });

  it('logs, and does not fail the call, when the booking cannot be written', async () => {
    const { limiter, lines, call } = setup();
    limiter.sent = async () => {
      throw new Error('Redis is away');
    };
    await expect(call(scripted([success]).send)).resolves.toBe(success);
    expect(lines.map((line) => line.msg)).toContain(
      'could not book the call with the rate limiter',
    );
  });

  it('returns any other error at once, classified, without repeating', async () => {
    const { limiter, call } = setup();
    const server = serverError();
    await expect(call(scripted([server, success]).send)).rejects.toBe(server);
    expect(limiter.acquired).toBe(1);
    expect(limiter.throttles).toEqual([]);

    const bug = new TypeError('boom');
    const error = await call(scripted([bug]).send).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NcpError);
    expect(error).toMatchObject({ kind: 'network', code: 'WORKER_ERROR', cause: bug });
    expect((error as NcpError).message).toContain('boom');
    expect(limiter.acquired).toBe(2);
  });

  it('reports auth errors and successes to the breaker', async () => {
    const seen: string[] = [];
    const breaker: Pick<AuthBreaker, 'failed' | 'succeeded'> = {
      failed: async (error) => {
        seen.push(`failed ${error.code}`);
      },
      succeeded: async () => {
        seen.push('succeeded');
      },
    };
    const { limiter, call } = setup({ auth: breaker as AuthBreaker });
    const denied = authError();
    await expect(call(scripted([denied]).send)).rejects.toBe(denied);
    await expect(call(scripted([serverError()]).send)).rejects.toMatchObject({ kind: 'server' });
    await expect(call(scripted([success]).send)).resolves.toBe(success);
    expect(seen).toEqual(['failed 200', 'succeeded']);
    expect(limiter.acquired).toBe(3);
  });

  it("passes the shutdown signal's reason through as is", async () => {
    const shutdown = new AbortController();
    const reason = new Error('worker is shutting down');
    const { limiter, lines, call } = setup({ shutdown: shutdown.signal });
    // Cut while the call was in flight (a read-only list the caller lets the shutdown abort).
    const cut: SendCall = async (onSent) => {
      onSent();
      shutdown.abort(reason);
      throw reason;
    };
    await expect(call(cut)).rejects.toBe(reason);
    expect(limiter.booked).toEqual(['booking-1']);
    expect(lines.map((line) => line.msg)).not.toContain('ncp test call failed');
    // Cut while waiting for the limiter.
    await expect(call(scripted([success]).send)).rejects.toBe(reason);
    expect(limiter.acquired).toBe(1);
  });

  it('waits out pauses on Date.now by default (fake timers)', async () => {
    vi.useFakeTimers({ now: T0 });
    const limiter = new CountingLimiter();
    let pauseMs = 0;
    const waiting: CallLimiter = {
      acquire: async (signal, onWait) => {
        if (pauseMs > 0) {
          onWait?.(pauseMs, true);
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
          pauseMs = 0;
        }
        return limiter.acquire(signal, onWait);
      },
      sent: (booking) => limiter.sent(booking),
      throttled: async (retryAfterMs) => {
        pauseMs = await limiter.throttled(retryAfterMs);
        return pauseMs;
      },
    };
    const log = pino({ level: 'silent' });
    const deps = {
      limiter: waiting,
      throttleMaxWaitMs: 1000,
      shutdown: new AbortController().signal,
    };
    const done = callUnderLimit(deps, scripted([throttledError(700), success]).send, log, 'x');
    await vi.advanceTimersByTimeAsync(699);
    expect(limiter.acquired).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(done).resolves.toBe(success);
    expect(limiter.acquired).toBe(2);

    // 700 ms already waited: a second pause of 301 ms would pass the bound on Date.now.
    const last = throttledError(301);
    const bounded = callUnderLimit(deps, scripted([throttledError(700), last]).send, log, 'x');
    const settled = expect(bounded).rejects.toBe(last);
    await vi.advanceTimersByTimeAsync(700);
    await settled;
  });
});
