/**
 * The auth circuit breaker. A wrong or revoked key fails every call the same way, so after
 * `threshold` auth errors (NCP gateway codes 200 "Authentication Failed" and 210 "Permission
 * Denied") within `windowMs` with no success between, every worker stops exporting: the
 * `auth` key in Redis makes the limiter refuse to grant calls, the jobs that were about to call
 * are handed back (delayed, no attempt used), and each worker stops taking jobs until it is
 * lifted. The failures that tripped it keep their outcomes.
 *
 * Lifted by a probe call that authenticates (each worker sends one at start and every
 * `probeIntervalMs` while paused: after the key is fixed and the workers restart, the first
 * probe lifts it), or by `ncp-cache-export resume-auth`. Loud while it lasts: an error log
 * naming the access key id (never the secret), `status`, `/readyz` and a metric.
 */
import type { Cluster, Redis } from 'ioredis';
import { type AuthPause, clearAuthPause, type LimiterKeys } from '../shared/limiter-keys.ts';
import type { Logger } from '../shared/logger.ts';
import { NcpError } from '../shared/ncp/index.ts';
import { NOW } from './rate-limit-scripts.ts';

/** Gateway error codes that say the key itself is refused. */
export const AUTH_PAUSE_CODES: ReadonlySet<string> = new Set(['200', '210']);

/** A call refused before it was sent because auth errors pause every worker. */
export class AuthPausedError extends NcpError {
  constructor() {
    super({
      kind: 'auth',
      code: 'AUTH_PAUSED',
      message:
        'NCP refused the access key repeatedly: every worker pauses exporting until a probe call authenticates or `ncp-cache-export resume-auth` is run',
    });
  }
}

export interface AuthBreakerOptions {
  /** The access key id calls are signed with: named in logs and status. */
  accessKeyId: string;
  /** Auth errors within `windowMs` that pause everyone; 0 turns the breaker off. @defaultValue 3 */
  threshold?: number;
  /** @defaultValue 60000 */
  windowMs?: number;
}

/**
 * KEYS: auth, authStrikes. ARGV: accessKeyId, code, message, threshold, windowMs.
 * Counts one auth error; pauses everyone at `threshold`. Returns { 1 when this error paused
 * everyone, 2 when already paused, else 0; errors counted }.
 */
const AUTH_FAILED = `${NOW}
local failures = redis.call('INCR', KEYS[2])
if failures == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5])) end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'failures', 1)
  return {2, failures}
end
if failures < tonumber(ARGV[4]) then return {0, failures} end
redis.call('HSET', KEYS[1], 'since', now, 'accessKeyId', ARGV[1], 'code', ARGV[2], 'failures', failures, 'message', ARGV[3])
return {1, failures}
`;

interface BreakerCommands {
  ncpAuthFailed(
    auth: string,
    strikes: string,
    accessKeyId: string,
    code: string,
    message: string,
    threshold: number,
    windowMs: number,
  ): Promise<[number, number]>;
}

export class AuthBreaker {
  readonly accessKeyId: string;
  readonly threshold: number;
  private readonly windowMs: number;
  private readonly redis: Redis | Cluster;
  private readonly keys: LimiterKeys;
  /** This process counted an auth error since its last success: the next success resets. */
  private counted = false;

  constructor(redis: Redis | Cluster, keys: LimiterKeys, options: AuthBreakerOptions) {
    this.redis = redis;
    this.keys = keys;
    this.accessKeyId = options.accessKeyId;
    this.threshold = options.threshold ?? 3;
    this.windowMs = options.windowMs ?? 60_000;
    if (!('ncpAuthFailed' in redis)) {
      redis.defineCommand('ncpAuthFailed', { numberOfKeys: 2, lua: AUTH_FAILED });
    }
  }

  /** True for the errors that count towards the pause. */
  counts(error: NcpError): boolean {
    return (
      this.threshold > 0 &&
      error.kind === 'auth' &&
      !(error instanceof AuthPausedError) &&
      AUTH_PAUSE_CODES.has(error.code)
    );
  }

  /** Counts an auth error; logs an error naming the access key id when it pauses everyone. */
  async failed(error: NcpError, log: Logger): Promise<void> {
    if (!this.counts(error)) return;
    this.counted = true;
    const [state, failures] = await (this.redis as unknown as BreakerCommands).ncpAuthFailed(
      this.keys.auth,
      this.keys.authStrikes,
      this.accessKeyId,
      error.code,
      error.message.slice(0, 300),
      this.threshold,
      this.windowMs,
    );
    if (Number(state) === 1) {
      log.error(
        { accessKeyId: this.accessKeyId, code: error.code, failures: Number(failures) },
        `NCP refused access key ${this.accessKeyId} ${failures} times (errorCode ${error.code}): every worker pauses exporting; jobs stay queued. Fix NCP_ACCESS_KEY / NCP_SECRET_KEY and restart the workers, or run \`ncp-cache-export resume-auth\``,
      );
    }
  }

  /** A call authenticated: auth errors counted so far no longer add up to a pause. */
  async succeeded(): Promise<void> {
    if (!this.counted) return;
    this.counted = false;
    await this.redis.del(this.keys.authStrikes);
  }

  /** Lifts the pause; true when there was one. */
  lift(): Promise<boolean> {
    return clearAuthPause(this.redis, this.keys);
  }

  async paused(): Promise<boolean> {
    return (await this.redis.exists(this.keys.auth)) === 1;
  }
}

/** What a worker process does about the auth pause: stop taking jobs, probe, resume. */
export interface AuthWatchOptions {
  breaker: AuthBreaker;
  /** Sends one read-only call (under the rate limit, past the auth pause). */
  probe(): Promise<void>;
  /** Stop and restart taking jobs (BullMQ's `worker.pause(true)` / `resume()`). */
  pauseJobs(): void;
  resumeJobs(): void;
  logger: Logger;
  /** How often the pause is checked. @defaultValue 2000 */
  checkEveryMs?: number;
  /** How often a paused worker sends a probe. @defaultValue 60000 */
  probeEveryMs?: number;
}

/** Watches the auth pause until the returned function is called. */
export function watchAuthPause(options: AuthWatchOptions): () => void {
  const { breaker, logger } = options;
  const checkEveryMs = options.checkEveryMs ?? 2000;
  const probeEveryMs = options.probeEveryMs ?? 60_000;
  let jobsPaused = false;
  let lastProbe = Number.NEGATIVE_INFINITY;
  let stopped = false;
  let running: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    if (!(await breaker.paused())) {
      if (jobsPaused) {
        jobsPaused = false;
        options.resumeJobs();
        logger.warn({ accessKeyId: breaker.accessKeyId }, 'auth pause lifted: exporting resumes');
      }
      return;
    }
    if (!jobsPaused) {
      jobsPaused = true;
      options.pauseJobs();
      logger.error(
        { accessKeyId: breaker.accessKeyId },
        `exporting paused: NCP refused access key ${breaker.accessKeyId} repeatedly; this worker takes no jobs until a probe call authenticates or \`ncp-cache-export resume-auth\` is run`,
      );
    }
    if (performance.now() - lastProbe < probeEveryMs) return;
    lastProbe = performance.now();
    try {
      await options.probe();
      await breaker.lift();
      logger.warn(
        { accessKeyId: breaker.accessKeyId },
        'a probe call authenticated: auth pause lifted',
      );
    } catch (error) {
      const answered = error instanceof NcpError && error.httpStatus !== undefined;
      if (answered && error.kind !== 'auth') {
        // NCP answered, and not with an auth error: the key works.
        await breaker.lift();
        logger.warn(
          { accessKeyId: breaker.accessKeyId, err: error },
          'a probe call passed authentication: auth pause lifted',
        );
        return;
      }
      if (answered) {
        logger.error(
          { accessKeyId: breaker.accessKeyId, code: error.code },
          `probe call: NCP still refuses access key ${breaker.accessKeyId} (errorCode ${error.code}); exporting stays paused`,
        );
      } else {
        logger.warn({ err: error }, 'probe call got no answer from NCP; exporting stays paused');
      }
    }
    if (!(await breaker.paused()) && jobsPaused) {
      jobsPaused = false;
      options.resumeJobs();
    }
  };
  const tick = () => {
    if (stopped || running) return;
    running = check()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not check the auth pause'))
      .finally(() => {
        running = undefined;
      });
  };
  tick();
  const timer = setInterval(tick, checkEveryMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

export type { AuthPause };
