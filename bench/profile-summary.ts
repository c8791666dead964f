/**
 * Summarizes V8 `.cpuprofile` files (written by `--cpu-prof`, see `npm run bench -- --profile`):
 * self time by function and by module (a package in node_modules, a project file, or Node's
 * internals), as markdown. Also a CLI: `node bench/profile-summary.ts <file-or-dir>...`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { markdownTable } from './stats.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileTotals {
  totalMs: number;
  byFunction: Map<string, number>;
  byModule: Map<string, number>;
}

/** Self time (ms) of every function and module of one profile. */
export function profileTotals(profile: CpuProfile): ProfileTotals {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const parent = new Map<number, ProfileNode>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node);
  }
  // Native frames and Node's internals (socket writes, JSON, crypto) count for the nearest
  // package or project file that called them.
  const owner = (node: ProfileNode): ProfileNode => {
    let current: ProfileNode | undefined = node;
    while (current && /^(node:|$)/.test(current.callFrame.url)) current = parent.get(current.id);
    return current && !PSEUDO.has(node.callFrame.functionName) ? current : node;
  };
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || us === 0) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${fileOf(url) || '(native)'}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us / 1000);
    const home = owner(node).callFrame;
    const module = moduleOf(home.url, home.functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + us / 1000);
  }
  return { totalMs: totalUs / 1000, byFunction, byModule };
}

const PSEUDO = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

/** A file as `package/path`, a project path or `node:<internal>`. */
function fileOf(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const packaged = /node_modules\/(.*)$/.exec(path);
  if (packaged) return packaged[1]!.replace(/\/dist\/(cjs|esm)\/|\/built\//, '/');
  return /\/(bench|shared|worker|producer|cli|test|dist)\/(.*)$/.exec(path)?.[0].slice(1) ?? path;
}

/** `node_modules/<package>`, a project path, `node:<internal>`, or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const path = url.replace(/^file:\/\//, '');
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (packaged) return packaged[1]!;
  if (path.startsWith('node:')) return path;
  const project = /\/(bench|shared|worker|producer|cli|test|dist)\/(.*)$/.exec(path);
  return project ? `${project[1]}/${project[2]}` : path;
}

function top(map: Map<string, number>, totalMs: number, count: number): string[][] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => [name, ms.toFixed(0), `${((100 * ms) / totalMs).toFixed(1)}%`]);
}

/** Markdown: for each profile, the top modules and functions by self time. */
export function summarizeProfiles(...paths: string[]): string {
  const files = paths.flatMap((path) =>
    statSync(path, { throwIfNoEntry: false })?.isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith('.cpuprofile'))
          .sort()
          .map((name) => join(path, name))
      : statSync(path, { throwIfNoEntry: false })
        ? [path]
        : [],
  );
  if (files.length === 0) return `(no profiles in ${paths.join(', ')})`;
  return files
    .map((file) => {
      const totals = profileTotals(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
      return [
        `CPU profile ${basename(file)}: ${totals.totalMs.toFixed(0)} ms sampled`,
        '',
        markdownTable(
          ['module (with the native and node: calls it makes)', 'self ms', 'share'],
          top(totals.byModule, totals.totalMs, 12),
        ),
        '',
        markdownTable(['function', 'self ms', 'share'], top(totals.byFunction, totals.totalMs, 15)),
      ].join('\n');
    })
    .join('\n\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${summarizeProfiles(...process.argv.slice(2))}\n`);
}
