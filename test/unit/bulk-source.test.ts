import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBulk } from '../../producer/bulk/read.ts';
import { type BulkSource, openBulkSource } from '../../producer/bulk/source.ts';
import { ok } from './bulk-helpers.ts';

const ROW =
  '{"api":"vredis","instanceNo":"1234511","fileName":"20240702","bucketName":"redis-backup"}';
const NDJSON = `${ROW}\n\n${ROW}\n`;

let dir: string;
let spoolDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulk-source-test-'));
  spoolDir = join(dir, 'spool');
  await mkdir(spoolDir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rowsOf(source: BulkSource) {
  const rows = [];
  for await (const row of readBulk(source.open(), 'ndjson')) rows.push(row);
  return rows;
}

/** A stdin that delivers `text` in two writes, the second after a tick. */
function fakeStdin(text: string): PassThrough {
  const stdin = new PassThrough();
  stdin.write(text.slice(0, 7));
  setImmediate(() => stdin.end(text.slice(7)));
  return stdin;
}

describe('openBulkSource', () => {
  it('re-opens a file for each read', async () => {
    const file = join(dir, 'exports.ndjson');
    await writeFile(file, NDJSON);
    const source = await openBulkSource(file);
    expect(source.name).toBe(file);
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    await source.dispose();
  });

  it('fails at once for a missing file or a directory', async () => {
    await expect(openBulkSource(join(dir, 'missing.csv'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await expect(openBulkSource(dir)).rejects.toThrow(`${dir} is a directory, not a file`);
  });

  it('spools stdin while it is read first, reads the spool next, and removes it on dispose', async () => {
    const source = await openBulkSource('-', fakeStdin(NDJSON), { tempDir: spoolDir });
    expect(source.name).toBe('<stdin>');
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    const [spool] = await readdir(spoolDir);
    expect(await readdir(join(spoolDir, spool ?? ''))).toEqual(['input']);
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    await source.dispose();
    expect(await readdir(spoolDir)).toEqual([]);
    await source.dispose();
    expect(() => source.open()).toThrow('<stdin> cannot be read again: it was disposed of');
  });

  it('spools a pipe given by path (e.g. <(command)) the same way', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const writer = createWriteStream(fifo);
    writer.end(NDJSON);
    const source = await openBulkSource(fifo, undefined, { tempDir: spoolDir });
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    expect(await rowsOf(source)).toEqual([ok(1), ok(3)]);
    await source.dispose();
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('refuses a second read while the first is going on or after it stopped early', async () => {
    const source = await openBulkSource('-', fakeStdin(NDJSON), { tempDir: spoolDir });
    const first = source.open();
    expect(() => source.open()).toThrow(
      '<stdin> cannot be read again: its first read is still going on; read it to its end first',
    );
    for await (const _ of first) break;
    expect(() => source.open()).toThrow(
      '<stdin> cannot be read again: its first read stopped before the end',
    );
    await source.dispose();
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('spools a big stdin written with backpressure, chunk by chunk', async () => {
    const stdin = new PassThrough({ highWaterMark: 1024 });
    const source = await openBulkSource('-', stdin, { tempDir: spoolDir });
    const block = `${ROW}\n`.repeat(100);
    setImmediate(async () => {
      for (let i = 0; i < 200; i++) {
        if (!stdin.write(block)) await new Promise((resolve) => stdin.once('drain', resolve));
      }
      stdin.end();
    });
    const first = await rowsOf(source);
    expect(first).toHaveLength(20_000);
    expect(first.every((row, index) => row.ok && row.line === index + 1)).toBe(true);
    expect(await rowsOf(source)).toEqual(first);
    await source.dispose();
  });
});
