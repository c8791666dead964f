/**
 * The sandbox: `npm run sandbox -- --port 8080 --rate 10 --fault http503=0.1 …`.
 * Prints one line with the URL and the key pairs (test keys of the seed: the secret too, so a
 * client can be pointed at it), runs until SIGINT or SIGTERM, then closes every connection and
 * exits.
 */
import { CliUsageError, parseSandboxArgs, USAGE } from './cli-args.ts';
import { EmulatorConfigError } from './config.ts';
import { loadSeed, SeedError } from './seed.ts';
import { startEmulator } from './server.ts';

const FORCED_EXIT_MS = 5000;

async function main(argv: string[]): Promise<void> {
  const args = parseSandboxArgs(argv);
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const seed = await loadSeed(args.seedPath);
  const emulator = await startEmulator({
    port: args.port,
    host: args.host,
    seed,
    rateLimit: args.rateLimit,
    retryAfter: args.retryAfter,
    gateway: args.gateway,
    burst: args.burst,
    jitterMs: args.jitterMs,
    faults: { probability: args.probability, schedule: args.schedule, slowMs: args.slowMs },
    latencyMs: args.latencyMs,
    clockOffsetMs: args.clockOffsetMs,
    manualBackupDelayMs: args.manualBackupDelayMs,
    manualBackupNeverRate: args.manualBackupNeverRate,
    objectStorage: args.storage,
  });
  const keys = seed.credentials
    .map((c) => `access key ${c.accessKey}, secret key ${c.secretKey}`)
    .join('; ');
  const limit =
    args.rateLimit === null
      ? 'no rate limit'
      : `rate limit ${args.rateLimit}/s, ${args.gateway}${args.gateway === 'token-bucket' ? ` burst ${args.burst}` : ''}`;
  console.log(
    `NCP emulator listening on ${emulator.url} (${keys}; ${seed.instances.length} instances, ${seed.buckets.length} buckets; ${limit})`,
  );
  if (emulator.objectStorage) {
    console.log(
      `Object Storage stand-in listening on ${emulator.objectStorage.url} (the same key pairs; exports land under ${args.storage?.keyTemplate})`,
    );
  }
  const stop = (signal: NodeJS.Signals): void => {
    setTimeout(() => {
      console.error(`NCP emulator: still closing ${FORCED_EXIT_MS} ms after ${signal}; exiting`);
      process.exit(1);
    }, FORCED_EXIT_MS).unref();
    emulator.close().then(
      () => console.log(`NCP emulator stopped (${signal})`),
      (err: unknown) => {
        console.error('NCP emulator: close failed:', err);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CliUsageError) {
    console.error(`error: ${err.message}\n(--help lists the options)`);
    process.exitCode = 2;
  } else if (err instanceof SeedError || err instanceof EmulatorConfigError) {
    console.error(`error: ${err.message}`);
    process.exitCode = 1;
  } else {
    console.error('error: cannot start the NCP emulator:', (err as Error).message ?? err);
    process.exitCode = 1;
  }
});
