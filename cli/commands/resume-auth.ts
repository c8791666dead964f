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
      await withProducer(io, async (producer) => {
        const authPause = await producer.resumeAuth();
        if (!authPause) {
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
