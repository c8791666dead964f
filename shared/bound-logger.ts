/**
 * A logger that names a job (or a call) in every line without a pino child logger per job.
 *
 * `logger.child(bindings)` serializes and redacts the bindings when it is made: a cost paid
 * for every job, even when its lines are below the level. A bound logger adds the bindings to
 * each line it writes instead (`parent.info({ ...bindings, ...fields }, msg)`), so a job that
 * writes one line at info pays for one line, and one below the level pays nothing. Lines that
 * do not start with a fields object (a bare message, an Error) go through a real child, made
 * once, on first use.
 */
import type { Logger } from 'pino';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

type Bindings = Record<string, unknown>;
type LogFn = (first?: unknown, ...rest: unknown[]) => void;

export function boundLogger(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  const real = (): Logger => {
    child ??= parent.child(bindings);
    return child;
  };
  const methods = new Map<string | symbol, unknown>();
  return new Proxy(parent, {
    get(target, property) {
      const made = methods.get(property);
      if (made !== undefined) return made;
      if (typeof property === 'string' && LEVELS.has(property)) {
        const write: LogFn = (first, ...rest) => {
          if (!target.isLevelEnabled(property)) return;
          const log = target[property as 'info'] as LogFn;
          if (typeof first === 'object' && first !== null && !(first instanceof Error)) {
            log.call(target, { ...bindings, ...(first as Bindings) }, ...rest);
          } else {
            (real()[property as 'info'] as LogFn).call(real(), first, ...rest);
          }
        };
        methods.set(property, write);
        return write;
      }
      if (property === 'child') {
        const makeChild = (more: Bindings, options?: unknown) =>
          options === undefined
            ? boundLogger(parent, { ...bindings, ...more })
            : real().child(more, options as never);
        methods.set(property, makeChild);
        return makeChild;
      }
      if (property === 'bindings') return () => ({ ...target.bindings(), ...bindings });
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
