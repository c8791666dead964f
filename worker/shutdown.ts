/**
 * How a worker process ends, whatever ends it: the one place that handles SIGTERM, SIGINT and
 * crashes.
 *
 * - The first SIGTERM or SIGINT shuts down gracefully: stop taking jobs, hand back jobs still
 *   waiting for their turn, let calls in flight finish, close connections; exit code 0.
 * - If that takes longer than `timeoutMs`, or a second signal comes, every worker of the process
 *   (exports and discovery) abandons its active jobs to BullMQ's stalled-job recovery; exit 1.
 * - An uncaught error or unhandled rejection is logged, then the process exits 1 at once: the
 *   jobs it held come back through stalled-job recovery, as after any crash.
 */
import type { Logger } from '../shared/logger.ts';

/** What shutting down works on: the process's workers. */
export interface Stoppable {
  /** Graceful: stop taking jobs, let active ones finish, close every connection. */
  close(): Promise<void>;
  /** Forced: every worker of the process drops its active jobs to stalled-job recovery. */
  abandon(): Promise<void>;
}

/** The process, as far as shutting down needs it (`process`, or a stand-in in tests). */
export type ProcessSignals = Pick<NodeJS.Process, 'on' | 'off' | 'exit'>;

export interface ShutdownOptions {
  logger: Logger;
  /** Longest a graceful shutdown may take before active jobs are abandoned (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** @defaultValue `process` */
  signals?: ProcessSignals;
}

/** Resolves with the exit code once `target` has stopped after a signal. */
export function runUntilSignalled(target: Stoppable, options: ShutdownOptions): Promise<number> {
  const { logger, timeoutMs } = options;
  const signals: ProcessSignals = options.signals ?? process;
  return new Promise<number>((resolve) => {
    let stopping = false;
    let finished = false;
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
      signals.off('uncaughtException', onCrash);
      signals.off('unhandledRejection', onCrash);
      logger.flush();
      resolve(code);
    };
    const abandon = async () => {
      await target.abandon().catch((error: unknown) => {
        logger.error({ err: error }, 'error while abandoning active jobs');
      });
      done(1);
    };
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: abandoning active jobs to stalled-job recovery');
        void abandon();
        return;
      }
      stopping = true;
      logger.info({ signal, timeoutMs }, 'shutting down');
      const timer = setTimeout(() => {
        logger.warn('shutdown timed out: abandoning active jobs to stalled-job recovery');
        void abandon();
      }, timeoutMs);
      target.close().then(
        () => {
          clearTimeout(timer);
          logger.info('worker stopped');
          done(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          logger.error({ err: error }, 'error while shutting down');
          done(1);
        },
      );
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onCrash = (error: unknown) => {
      logger.fatal({ err: error }, 'uncaught error: exiting; active jobs will be recovered');
      logger.flush();
      signals.exit(1);
    };
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);
    signals.on('uncaughtException', onCrash);
    signals.on('unhandledRejection', onCrash);
  });
}
