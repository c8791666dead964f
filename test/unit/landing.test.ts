/**
 * The pure parts of landing checks: the key a template gives, what a search takes, the walk
 * that answers a bucket's looks, the verdict of a look, and the configuration.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadLandingConfig } from '../../shared/config.ts';
import { type ExportRequest, outcomeSchema } from '../../shared/contract.ts';
import {
  candidates,
  coveringRange,
  judge,
  type LandingTarget,
  landingTarget,
  renderKey,
} from '../../shared/landing/target.ts';

const request: ExportRequest = {
  api: 'vredis',
  instanceNo: '1234511',
  fileName: '20240702',
  bucketName: 'cache-backup',
  backupTypeMode: 'SYSTEM',
};
const AT = Date.parse('2026-12-01T03:00:00Z');
const keys = { NCP_ACCESS_KEY: 'AK', NCP_SECRET_KEY: 'SK' };

describe('landing targets', () => {
  it('renders every placeholder of a key template', () => {
    expect(
      renderKey(
        '{api}/{region}/{instanceNo}/{backupTypeMode}/{bucketName}/{date}/{fileName}.rdb',
        request,
        'KR',
        AT,
      ),
    ).toBe('vredis/KR/1234511/SYSTEM/cache-backup/20261201/20240702.rdb');
  });

  it('searches for new objects holding the file name, taking those naming the instance', () => {
    const target = landingTarget(request, AT, { defaultRegion: 'KR', prefix: 'backups/' });
    expect(target).toMatchObject({ prefix: 'backups/', region: 'KR' });
    expect(target.key).toBeUndefined();
    const fresh = new Date(AT + 5000).toISOString();
    const found = candidates(target, [
      { key: 'backups/999/20240702', size: 1, lastModified: fresh },
      { key: 'backups/1234511/20240702', size: 2, lastModified: fresh },
      { key: 'backups/1234511/20240701', size: 3, lastModified: fresh },
      { key: 'other/1234511/20240702', size: 4, lastModified: fresh },
      { key: 'backups/1234511/20240702.old', size: 5, lastModified: '2026-11-01T00:00:00Z' },
    ]);
    expect(found.map((o) => o.key)).toEqual(['backups/1234511/20240702']);
    // None naming the instance: the one new object holding the file name, but never one of
    // several (they may be other instances' exports of a file of the same name).
    const other = (key: string) => ({ key, size: 1, lastModified: fresh });
    expect(candidates(target, [other('backups/a/20240702')]).map((o) => o.key)).toEqual([
      'backups/a/20240702',
    ]);
    expect(candidates(target, [other('backups/a/20240702'), other('backups/b/20240702')])).toEqual(
      [],
    );
  });

  it('walks one range for a bucket: common prefix, from just before the first key to the last', () => {
    const target = (instanceNo: string) =>
      landingTarget({ ...request, instanceNo }, AT, {
        defaultRegion: 'KR',
        keyTemplate: 'exports/{instanceNo}/{fileName}',
      });
    const targets: LandingTarget[] = [target('300'), target('100'), target('200')];
    expect(coveringRange(targets)).toEqual({
      prefix: 'exports/',
      marker: 'exports/100/2024070',
      until: 'exports/300/20240702',
    });
    // A search walks its whole prefix.
    expect(coveringRange([landingTarget(request, AT, { defaultRegion: 'KR' })])).toEqual({
      prefix: '',
    });
  });
});

describe('a look', () => {
  const target = landingTarget(request, AT, { defaultRegion: 'KR', keyTemplate: '{fileName}' });
  const look = (
    found: { key: string; size: number; etag?: string }[],
    previous?: object,
    nowMs = AT + 10_000,
  ) =>
    judge({
      target,
      found,
      previous: previous as never,
      acceptedAtMs: AT,
      deadlineMs: AT + 60_000,
      nowMs,
      checks: 3,
    });

  it('lands an object whose key, size and ETag held across two looks', () => {
    const object = { key: '20240702', size: 10, etag: '"a"' };
    expect(look([object])).toEqual({ done: false, seen: object });
    expect(look([object], { ...object, size: 5, etag: '"b"' })).toMatchObject({ done: false });
    expect(look([object], object)).toMatchObject({
      done: true,
      landing: { state: 'landed', key: '20240702', size: 10, landedAfterMs: 10_000, checks: 3 },
    });
  });

  it('gives up at the deadline, saying what it saw', () => {
    const growing = { key: '20240702', size: 7 };
    expect(look([growing], { key: '20240702', size: 3 }, AT + 60_000)).toMatchObject({
      done: true,
      landing: { state: 'not-landed', seen: [growing], looked: 'key 20240702' },
    });
    expect(look([], undefined, AT + 61_000)).toMatchObject({
      done: true,
      landing: { state: 'not-landed', seen: [] },
    });
  });

  it('writes landings the outcome schema accepts', () => {
    const decided = look([{ key: 'k', size: 1 }], { key: 'k', size: 1 });
    if (!decided.done) throw new Error('expected a verdict');
    const shape = outcomeSchema.shape.landing;
    expect(shape.safeParse(decided.landing).success).toBe(true);
  });
});

describe('landing configuration', () => {
  it('is off by default against a URL that is not an NCP site, on against NCP', () => {
    expect(loadLandingConfig({ ...keys, NCP_API_URL: 'http://127.0.0.1:8080' })).toBeUndefined();
    expect(loadLandingConfig({ ...keys })).toMatchObject({
      site: 'public',
      defaultRegion: 'KR',
      timeoutMs: 1_800_000,
      storageRateLimit: 20,
    });
    expect(
      loadLandingConfig({
        ...keys,
        NCP_API_URL: 'http://127.0.0.1:8080',
        OBJECT_STORAGE_URL: 'http://127.0.0.1:8081',
      }),
    ).toMatchObject({ storageUrl: 'http://127.0.0.1:8081', signingRegion: 'kr-standard' });
    expect(loadLandingConfig({ ...keys, EXPORT_LANDING_CHECK: 'off' })).toBeUndefined();
  });

  it('names what is wrong', () => {
    const error = (env: Record<string, string>) => {
      try {
        loadLandingConfig({ ...keys, ...env });
      } catch (caught) {
        return caught instanceof ConfigError ? caught.message : String(caught);
      }
      return 'no error';
    };
    expect(error({ EXPORT_LANDING_CHECK: 'on', NCP_API_URL: 'http://127.0.0.1:8080' })).toMatch(
      /^EXPORT_LANDING_CHECK: .*OBJECT_STORAGE_URL/,
    );
    expect(error({ EXPORT_LANDING_KEY: '{instance}/{fileName}' })).toMatch(
      /^EXPORT_LANDING_KEY: has placeholder \{instance\}/,
    );
    expect(error({ EXPORT_LANDING_TIMEOUT: 'soon' })).toMatch(/^EXPORT_LANDING_TIMEOUT: /);
    expect(error({ OBJECT_STORAGE_URL: 'http://storage.example.com' })).toMatch(
      /^OBJECT_STORAGE_URL: is plain http: on storage\.example\.com/,
    );
  });
});
