/**
 * Which instances and which of their backups a discovery exports: pure functions.
 */
import type { ListedBackup, ListedInstance } from './ncp-lists.ts';

/**
 * A shell-style glob as an anchored, case-sensitive regular expression: `*` matches any run
 * of characters (also none), `?` exactly one; every other character stands for itself.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'su');
}

/** The instances left after `--instance` and `--name-filter`, in list order. */
export function matchInstances<T extends Pick<ListedInstance, 'instanceNo' | 'name'>>(
  instances: readonly T[],
  filter: { instanceNos?: readonly string[] | undefined; nameFilter?: string | undefined },
): T[] {
  const wanted = filter.instanceNos ? new Set(filter.instanceNos) : undefined;
  const name = filter.nameFilter === undefined ? undefined : globToRegExp(filter.nameFilter);
  return instances.filter(
    (instance) =>
      (!wanted || wanted.has(instance.instanceNo)) && (!name || name.test(instance.name)),
  );
}

export interface Choice {
  chosen: ListedBackup[];
  /** Why nothing could be chosen although backups exist. */
  problem?: string;
}

/**
 * With `since`: every backup whose time is at or after it, oldest first. Without: the newest
 * backup. A backup's time is its endTime, else its startTime; backups whose time cannot be
 * read are never chosen by time (a single backup is the newest whatever its time).
 */
export function chooseBackups(backups: readonly ListedBackup[], since: Date | undefined): Choice {
  const timed = backups
    .filter((backup): backup is ListedBackup & { time: number } => backup.time !== undefined)
    .sort((a, b) => a.time - b.time);
  if (since !== undefined) {
    const chosen = timed.filter((backup) => backup.time >= since.getTime());
    const untimed = backups.length - timed.length;
    return untimed > 0 && chosen.length === 0
      ? { chosen, problem: `${untimed} backup(s) listed without a readable time` }
      : { chosen };
  }
  if (backups.length === 1) return { chosen: [backups[0]!] };
  const newest = timed.at(-1);
  if (newest) return { chosen: [newest] };
  return backups.length === 0
    ? { chosen: [] }
    : { chosen: [], problem: 'no listed backup has a readable startTime or endTime' };
}
