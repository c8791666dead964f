import { EventEmitter } from 'node:events';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ProcessSignals, runUntilSignalled, type Stoppable } from '../../worker/shutdown.ts';

/** A process stand-in: signals are emitted by the test, `exit` is recorded. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exit = vi.fn();
  return { emitter, exit, signals: Object.assign(emitter, { exit }) as unknown as ProcessSignals };
}

/** Workers whose graceful close finishes only when the test says so. */
function fakeWorkers() {
  let finishClose: (() => void) | undefined;
  const target: Stoppable & { closed: number; abandoned: number } = {
    closed: 0,
    abandoned: 0,
    close() {
      target.closed++;
      return new Promise<void>((resolve) => {
        finishClose = resolve;
      });
    },
    async abandon() {
      target.abandoned++;
    },
  };
  return { target, finishClose: () => finishClose?.() };
}

const logger = pino({ level: 'silent' });

describe('runUntilSignalled', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shuts down gracefully on SIGTERM: exit code 0, nothing abandoned', async () => {
    const { emitter, signals } = fakeProcess();
    const { target, finishClose } = fakeWorkers();
    const code = runUntilSignalled(target, { logger, timeoutMs: 30_000, signals });
    emitter.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(29_000);
    finishClose();
    expect(await code).toBe(0);
    expect(target).toMatchObject({ closed: 1, abandoned: 0 });
    expect(emitter.listenerCount('SIGTERM') + emitter.listenerCount('uncaughtException')).toBe(0);
  });

  it('abandons every worker when the graceful close outlasts the timeout: exit code 1', async () => {
    const { emitter, signals } = fakeProcess();
    const { target } = fakeWorkers();
    const code = runUntilSignalled(target, { logger, timeoutMs: 30_000, signals });
    emitter.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(target.abandoned).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await code).toBe(1);
    expect(target).toMatchObject({ closed: 1, abandoned: 1 });
  });

  it('abandons at once on a second signal', async () => {
    const { emitter, signals } = fakeProcess();
    const { target } = fakeWorkers();
    const code = runUntilSignalled(target, { logger, timeoutMs: 30_000, signals });
    emitter.emit('SIGTERM');
    emitter.emit('SIGTERM');
    expect(await code).toBe(1);
    expect(target).toMatchObject({ closed: 1, abandoned: 1 });
  });

  it('exits 1 at once on an uncaught error, leaving the jobs to stalled-job recovery', () => {
    const { emitter, exit, signals } = fakeProcess();
    const { target } = fakeWorkers();
    void runUntilSignalled(target, { logger, timeoutMs: 30_000, signals });
    emitter.emit('unhandledRejection', new Error('lost'));
    expect(exit).toHaveBeenCalledWith(1);
    expect(target).toMatchObject({ closed: 0, abandoned: 0 });
  });
});
