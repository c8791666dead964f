/**
 * bulk's heap bounds (producer/bulk/heap-bounds.ts) in a fresh Node process, as the CLI runs:
 * under an allocation pattern like bulk's (a chunk of objects kept while the next is built), the
 * new space stops growing at its bound, where V8 alone grows it to its maximum. Memory figures
 * of bulk itself are the benchmark's (npm run bench -- --only enqueue).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../producer/bulk/heap-bounds.ts', import.meta.url));

/** The largest new space (MiB) seen while allocating 300 chunks of 5,000 objects. */
function largestNewSpace(bounded: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { boundHeapGrowth } from ${JSON.stringify(MODULE)};
    const bound = ${bounded} ? boundHeapGrowth() : { check() {}, release() {} };
    let largest = 0;
    let kept = [];
    for (let chunk = 0; chunk < 300; chunk++) {
      const next = [];
      for (let i = 0; i < 5000; i++) next.push({ id: 'job-' + chunk + '-' + i, data: { n: i, s: String(i).repeat(8) } });
      kept = next;
      const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      largest = Math.max(largest, space.space_size);
      bound.check();
      // Yield, as bulk does at each await on Redis or on the file.
      await new Promise((resolve) => setImmediate(resolve));
    }
    bound.release();
    process.stdout.write(String(largest / 1048576 + kept.length * 0));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return Number(out);
}

describe('boundHeapGrowth', () => {
  it('stops the new space at its bound, where V8 alone grows it further', () => {
    const bounded = largestNewSpace(true);
    const free = largestNewSpace(false);
    // Checked after each chunk (~1 MiB): at most one doubling past 16 MiB happens meanwhile.
    expect(bounded).toBeLessThanOrEqual(32);
    expect(free).toBeGreaterThan(32);
  });
});
