/**
 * Every process a benchmark starts (workers, references, redis-server, the emulator) is
 * registered here by pid and killed with SIGKILL if the runner exits without stopping it: on a
 * crash, on Ctrl-C or SIGTERM. Nothing is left running on the machine.
 */
const live = new Set<number>();

export function registerPid(pid: number | undefined): void {
  if (pid !== undefined) live.add(pid);
}

export function unregisterPid(pid: number | undefined): void {
  if (pid !== undefined) live.delete(pid);
}

/** Installs the handlers once, in the runner. */
export function killChildrenOnExit(): void {
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`[bench] ${signal}: stopping ${live.size} child process(es)\n`);
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`[bench] ${error.stack ?? error}\n`);
    process.exit(2);
  });
}
