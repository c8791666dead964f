/**
 * Keeps `bulk`'s memory small at any input size. Its live data is small (one chunk in Redis, one
 * being read: ~50 MiB of heap after a full GC, modules included), but V8 sizes the heap for
 * throughput: under bulk's allocation rate (every row parsed and validated twice, a BullMQ job
 * built per row) it grows the new space to its maximum (two 64 MiB semi-spaces) and lets the old
 * space fill with dead objects to several times the live data. 100,000 rows peaked at ~345 MiB of
 * RSS, as did 1,000,000 (docs/benchmarks.md).
 *
 * Two V8 flags bound that. V8 reads both whenever it resizes the heap, so setting them at run
 * time (`v8.setFlagsFromString`) takes effect; no command-line flag is needed:
 * - `--semi-space-growth-factor=1` once the new space has reached `newSpaceMiB`: it stops
 *   growing there (a scavenge of a larger one would not free more, the survivors are the chunk);
 * - `--heap-growing-percent`: the old space may grow to (1 + percent/100) times the live data
 *   before a full GC, instead of V8's dynamic factor (up to 4 when allocation is fast).
 * Both cost CPU in more frequent collections; the defaults keep bulk's speed within the
 * benchmark's goal (docs/benchmarks.md, scenario 4).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Options of {@link boundHeapGrowth}. */
export interface HeapBounds {
  /**
   * Size of the new space (both semi-spaces) past which it stops growing.
   * @defaultValue 16
   */
  newSpaceMiB?: number;
  /**
   * How far past the live data the old space may grow before a full GC, in percent.
   * @defaultValue 30
   */
  heapGrowingPercent?: number;
}

const MIB = 1024 * 1024;
/** V8's own values, put back when the bound is lifted. */
const V8_DEFAULTS = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

/** A bound in force: `check` looks at the new space now, `release` restores V8's defaults. */
export interface HeapBound {
  check(): void;
  release(): void;
}

/**
 * Bounds the heap of this process until `release()`. The new space is looked at every few
 * milliseconds (an unref'd timer) and at each `check()`, until it reaches its bound.
 */
export function boundHeapGrowth(options: HeapBounds = {}): HeapBound {
  const newSpaceBytes = (options.newSpaceMiB ?? 16) * MIB;
  setFlagsFromString(`--heap-growing-percent=${options.heapGrowingPercent ?? 30}`);
  let frozen = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (frozen) return;
    const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (!newSpace || newSpace.space_size < newSpaceBytes) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    frozen = true;
    clearInterval(timer);
  };
  timer = setInterval(check, 5).unref();
  check();
  return {
    check,
    release() {
      clearInterval(timer);
      for (const flag of V8_DEFAULTS) setFlagsFromString(flag);
    },
  };
}
