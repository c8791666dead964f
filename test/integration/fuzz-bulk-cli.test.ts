/**
 * `bulk` on random files through the CLI, against the real Redis: a file with any bad row
 * enqueues nothing unless --skip-invalid, and then exactly its distinct valid rows; a file that
 * is broken as a whole (invalid UTF-8, a truncated JSON array) enqueues nothing at all.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobType, Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CsvColumn } from '../../producer/bulk/csv-header.ts';
import type { BulkFormat } from '../../producer/bulk/format.ts';
import { EXPORT_QUEUE, type ExportRequest, exportJobId } from '../../shared/contract.ts';
import { runCli } from '../helpers/cli.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import {
  csvColumns,
  type Rendered,
  type RowSpec,
  renderCsv,
  renderJsonArray,
  renderNdjson,
  rowSpecs,
  wellFormed,
} from '../unit/fuzz-bulk-rows.ts';

const LIMIT = 64 * 1024;
const STATES: JobType[] = [
  'waiting',
  'delayed',
  'prioritized',
  'active',
  'completed',
  'failed',
  'waiting-children',
];

type Damage = 'none' | 'utf8' | 'truncate';

const file = fc.record({
  format: fc.constantFrom<BulkFormat>('csv', 'json', 'ndjson'),
  specs: rowSpecs,
  columns: csvColumns,
  skipInvalid: fc.boolean(),
  chunk: fc.integer({ min: 1, max: 4 }),
  damage: fc.constantFrom<Damage>('none', 'none', 'none', 'utf8', 'truncate'),
  at: fc.nat(),
  // Repeat some rows: duplicates, in the same chunk or across chunks.
  repeat: fc.nat({ max: 4 }),
});

/** The file, and the rows the CLI reads from it with its default row limit. */
function render(format: BulkFormat, specs: RowSpec[], columns: CsvColumn[]): Rendered {
  if (format === 'csv') return renderCsv(specs, columns, LIMIT);
  return format === 'json' ? renderJsonArray(specs, LIMIT) : renderNdjson(specs, LIMIT);
}

describe('bulk command on fuzzed files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-fuzz-bulk-'));
  const redisUrl = testRedisUrl();
  // Every prefix used, removed again at the end even if a run was cut short (a timeout left
  // test-fuzzbulk-* keys behind: the run's own cleanup never came).
  const prefixes: string[] = [];
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const prefix of prefixes) await deletePrefix(redisUrl, prefix);
  });
  let runs = 0;
  const seen = { refused: 0, partial: 0, clean: 0, broken: 0, rows: 0 };

  it('enqueues all or nothing, exactly the valid rows, and nothing from a broken file', async () => {
    await fc.assert(
      fc.asyncProperty(
        file,
        async ({ format, specs: unique, columns, skipInvalid, chunk, damage, at, repeat }) => {
          const specs = [...unique, ...unique.slice(0, repeat)];
          const { text, rows, error } = render(format, specs, columns);
          const path = join(dir, `run-${runs++}.${format}`);
          let bytes = Buffer.from(text);
          // Invalid UTF-8 anywhere, or a JSON array cut short: a problem of the file as a whole.
          // So is an NDJSON line over the limit.
          const broken =
            damage === 'utf8' ||
            (damage === 'truncate' && format === 'json') ||
            error !== undefined;
          if (damage === 'utf8') {
            const cut = at % (bytes.length + 1);
            bytes = Buffer.concat([
              bytes.subarray(0, cut),
              Buffer.from([0xff]),
              bytes.subarray(cut),
            ]);
          } else if (damage === 'truncate' && format === 'json') {
            bytes = bytes.subarray(0, bytes.length - 1 - (at % Math.max(1, bytes.length - 1)));
          }
          writeFileSync(path, bytes);
          const prefix = uniquePrefix('fuzzbulk');
          prefixes.push(prefix);
          const env = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, NCP_REGION: 'KR' };
          const queue = new Queue(EXPORT_QUEUE, { connection: { url: redisUrl }, prefix });
          try {
            const args = ['bulk', path, '--json', '--chunk', String(chunk)];
            const run = await runCli(skipInvalid ? [...args, '--skip-invalid'] : args, env);
            const counts = await queue.getJobCounts(...STATES);
            const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
            if (broken) {
              seen.broken++;
              expect(run.code).toBe(2);
              expect(run.stderr).toMatch(
                new RegExp(`^ncp-cache-export: ${escapeRegExp(path)}:\\d+: `, 'm'),
              );
              expect(total).toBe(0);
              return;
            }
            const valid = rows.flatMap((row) => (row.ok ? [withRegion(row.request)] : []));
            const invalid = rows.length - valid.length;
            const byId = new Map<string, ExportRequest>();
            for (const request of valid)
              if (!byId.has(exportJobId(request))) byId.set(exportJobId(request), request);
            seen.rows += rows.length;
            // Every issue of every bad row, one line each, naming the file and the row's line.
            // (As written to a UTF-8 stream: V8 quotes a bad astral character by half.)
            const issueLines = rows.flatMap((row) =>
              row.ok
                ? []
                : row.issues.map((issue) =>
                    wellFormed(
                      `${path}:${row.line}: ${row.item ? `item ${row.item}: ` : ''}${issue.field ? `${issue.field}: ` : ''}${issue.message}`,
                    ),
                  ),
            );
            const printed = run.stderr.split('\n').filter((line) => line.startsWith(`${path}:`));
            expect(printed).toEqual(issueLines);
            const refused = invalid > 0 && !skipInvalid;
            const added = refused ? 0 : byId.size;
            expect(JSON.parse(run.stdout)).toEqual({
              read: rows.length,
              valid: valid.length,
              invalid,
              added,
              reruns: 0,
              duplicates: refused ? 0 : valid.length - byId.size,
              dryRun: false,
              refused,
            });
            expect(run.code).toBe(refused ? 2 : 0);
            expect(total).toBe(added);
            if (refused) seen.refused++;
            else if (invalid > 0) seen.partial++;
            else seen.clean++;
            if (added > 0) {
              const jobs = await queue.getJobs(['waiting'], 0, -1, true);
              expect(new Map(jobs.map((job) => [job.id, job.data]))).toEqual(byId);
            }
          } finally {
            await queue.close();
            await deletePrefix(redisUrl, prefix);
          }
        },
      ),
      { numRuns: 40 },
    );
    // The runs covered each way a file can go.
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
    // 40 whole CLI runs against Redis: ~7 s alone, several times that on two busy cores.
  }, 180_000);
});

/** The request as the producer stores it: NCP_REGION fills a missing region. */
function withRegion(request: ExportRequest): ExportRequest {
  return request.regionCode ? request : { ...request, regionCode: 'KR' };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
