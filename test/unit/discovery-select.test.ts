import { describe, expect, it } from 'vitest';
import { resolveSince } from '../../shared/discovery-contract.ts';
import { parseNcpTime, readList } from '../../worker/discovery/ncp-lists.ts';
import { chooseBackups, globToRegExp, matchInstances } from '../../worker/discovery/select.ts';

const at = (iso: string) => Date.parse(iso);

describe('name filter globs', () => {
  it.each([
    ['orders-*', 'orders-redis', true],
    ['orders-*', 'orders-', true],
    ['orders-*', 'my-orders-redis', false],
    ['*-redis', 'sessions-redis', true],
    ['cache-10000?', 'cache-100001', true],
    ['cache-10000?', 'cache-1000012', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+[y]', '(x)+[y]', true],
    ['Orders*', 'orders-redis', false],
    ['*', '', true],
  ])('%s matches %j: %s', (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });

  it('filters by instance number and name together', () => {
    const instances = [
      { instanceNo: '1', name: 'orders-redis', regionCode: 'KR' },
      { instanceNo: '2', name: 'orders-valkey', regionCode: 'KR' },
      { instanceNo: '3', name: 'sessions-redis', regionCode: 'KR' },
    ];
    const nos = (list: { instanceNo: string }[]) => list.map((i) => i.instanceNo);
    expect(nos(matchInstances(instances, {}))).toEqual(['1', '2', '3']);
    expect(nos(matchInstances(instances, { nameFilter: '*-redis' }))).toEqual(['1', '3']);
    expect(nos(matchInstances(instances, { instanceNos: ['3', '2'] }))).toEqual(['2', '3']);
    expect(
      nos(matchInstances(instances, { instanceNos: ['1', '2'], nameFilter: '*valkey' })),
    ).toEqual(['2']);
  });
});

describe('choosing backups', () => {
  const a = { fileName: 'a', time: at('2024-07-01T03:00:00Z') };
  const b = { fileName: 'b', time: at('2024-07-02T03:00:00Z') };
  const c = { fileName: 'c', time: at('2024-07-03T03:00:00Z') };
  const untimed = { fileName: 'u', time: undefined };

  it('takes the newest backup whatever the list order', () => {
    expect(chooseBackups([b, c, a], undefined)).toEqual({ chosen: [c] });
    expect(chooseBackups([c, untimed, a], undefined)).toEqual({ chosen: [c] });
    expect(chooseBackups([], undefined)).toEqual({ chosen: [] });
  });

  it('takes a single backup even without a time, but cannot rank untimed ones', () => {
    expect(chooseBackups([untimed], undefined)).toEqual({ chosen: [untimed] });
    const choice = chooseBackups([untimed, { ...untimed, fileName: 'v' }], undefined);
    expect(choice.chosen).toEqual([]);
    expect(choice.problem).toMatch(/no listed backup has a readable/);
  });

  it('with since, takes every backup at or after it, oldest first', () => {
    expect(chooseBackups([c, a, b], new Date('2024-07-02T03:00:00Z'))).toEqual({
      chosen: [b, c],
    });
    expect(chooseBackups([c, a, b], new Date('2024-07-04T00:00:00Z'))).toEqual({ chosen: [] });
    expect(chooseBackups([untimed], new Date(0)).problem).toMatch(/without a readable time/);
  });
});

describe('reading NCP lists', () => {
  it('reads NCP times with or without the colon in the offset', () => {
    expect(parseNcpTime('2024-07-02T12:00:00+0900')).toBe(at('2024-07-02T03:00:00Z'));
    expect(parseNcpTime('2024-07-02T12:00:00+09:00')).toBe(at('2024-07-02T03:00:00Z'));
    expect(parseNcpTime('2024-07-02T03:00:00.5Z')).toBe(at('2024-07-02T03:00:00.500Z'));
    for (const bad of ['', 'yesterday', '2024-07-02', 20240702, null, '2024-13-45T99:00:00Z']) {
      expect(parseNcpTime(bad)).toBeUndefined();
    }
  });

  it('reads lists as JSON arrays, XML items, a single XML item, or nothing', () => {
    const item = { fileName: 'x' };
    expect(readList({ fooList: [item, 3, null] }, 'fooList')).toEqual([item]);
    expect(readList({ fooList: { foo: [item, item] } }, 'fooList')).toEqual([item, item]);
    expect(readList({ fooList: { foo: item } }, 'fooList')).toEqual([item]);
    expect(readList({ fooList: '' }, 'fooList')).toEqual([]);
    expect(readList({}, 'fooList')).toEqual([]);
  });

  it('resolves since as a date or a duration back from now', () => {
    const now = at('2024-07-03T00:00:00Z');
    expect(resolveSince(undefined, now)).toBeUndefined();
    expect(resolveSince('36h', now)).toEqual(new Date('2024-07-01T12:00:00Z'));
    expect(resolveSince('2d', now)).toEqual(new Date('2024-07-01T00:00:00Z'));
    expect(resolveSince('90m', now)).toEqual(new Date('2024-07-02T22:30:00Z'));
    expect(resolveSince('2024-07-01T09:00:00+09:00', now)).toEqual(
      new Date('2024-07-01T00:00:00Z'),
    );
  });
});
