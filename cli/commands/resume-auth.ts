import { loadRedisConfig } from '../../shared/config.ts';
import { clearAuthPause, limiterKeys, readThrottleState } from '../../shared/limiter-keys.ts';
import { type Register, writeLine } from '../context.ts';
import { withProducer } from '../lib/common.ts';

/**
 * `resume-auth`: lifts the pause that repeated NCP auth errors put on every worker. Workers
 * lift it themselves when a probe call authenticates (at start and every
 * NCP_AUTH_PROBE_INTERVAL_MS); this is for when the key was fixed without a restart.
 */
export const registerResumeAuth: Register = (program, io) => {
  program
    .command('resume-auth')
    .description('lift the pause that repeated NCP auth errors put on every worker')
    .action(async () => {
      const keys = limiterKeys(loadRedisConfig(io.env).prefix);
      await withProducer(io, async (producer) => {
        const { authPause } = await readThrottleState(producer.redis, keys);
        if (!(await clearAuthPause(producer.redis, keys)) || !authPause) {
          writeLine(io.stdout, 'no auth pause in force');
          return;
        }
        writeLine(
          io.stdout,
          `auth pause lifted (it began ${authPause.since} after ${authPause.failures} auth errors for access key ${authPause.accessKeyId}); workers resume within a few seconds`,
        );
      });
    });
};
