import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES, ERROR_CODES, errorCodeInfo } from '../../shared/error-codes.ts';

const ROOT = join(import.meta.dirname, '../..');
const SOURCES = ['shared', 'worker', 'producer', 'cli'];
const HTTP = join('producer', 'http');
/**
 * Where code writes an error code: `code: '…'` (or `code = … '…'`, through a ternary),
 * `problem('…'`, `invalid('…'`, `problemReply(404, '…'`. Codes are upper case.
 */
const WRITTEN_CODE =
  /(?:\bcode\b\s*[:=][^;\n]*?|\b(?:problem|invalid)\(\s*|\bproblemReply\(\s*\d+,\s*)'([A-Z][A-Z0-9_]+)'/g;
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every code written by the files' code (comments left out), with where. */
function writtenCodes(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
    // A family of codes: `HTTP_${status}`.
    for (const match of text.matchAll(/\bcode\b[^;\n]*?`([A-Z]+_)\$\{/g)) {
      found.set(match[1]!, file);
    }
    for (const match of text.matchAll(WRITTEN_CODE)) {
      const at = `${file}:${text.slice(0, match.index).split('\n').length}`;
      const rest = text.slice(match.index + match[0].length);
      const unionText = /^(?:\s*\|\s*'[A-Z][A-Z0-9_]+')+/.exec(rest)?.[0] ?? '';
      const union = [...unionText.matchAll(/'([A-Z0-9_]+)'/g)].map((more) => more[1]!);
      for (const code of [match[1]!, ...union]) {
        // Classes' codes for command errors (ERR_CONFIG, ...) and Fastify's (matched, not
        // written) are not outcome codes; the HTTP API's own classes are its answers' codes.
        const line = text.slice(text.lastIndexOf('\n', match.index) + 1, match.index);
        const classCode = /readonly\s*$/.test(line) && !file.startsWith(HTTP);
        if (!classCode && !code.startsWith('FST_')) found.set(code, at);
      }
    }
  }
  return found;
}

describe('the error-code registry', () => {
  const files = SOURCES.flatMap(sourceFiles);
  const written = writtenCodes(files.filter((file) => !file.startsWith(HTTP)));
  const answered = writtenCodes(files.filter((file) => file.startsWith(HTTP)));

  it('names every code the product writes', () => {
    const unregistered = [...written].filter(([code]) => !errorCodeInfo(code));
    expect(unregistered, 'codes written but not in shared/error-codes.ts').toEqual([]);
  });

  it('holds no code the product no longer writes', () => {
    const stale = Object.keys(ERROR_CODES).filter(
      (code) => ![...written.keys()].some((literal) => literal.startsWith(code)),
    );
    expect(stale).toEqual([]);
  });

  it("is explained, code by code, in the README's table of codes", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Error codes of our own'));
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${code}`));
      expect(row, `README row for ${code}`).toBeDefined();
      expect(row).toContain(`\`${info.kind}\``);
    }
  });

  it('names every code the HTTP API answers with, and only those', () => {
    const unregistered = [...answered].filter(([code]) => !Object.hasOwn(API_ERROR_CODES, code));
    expect(unregistered, 'codes answered but not in API_ERROR_CODES').toEqual([]);
    expect(Object.keys(API_ERROR_CODES).filter((code) => !answered.has(code))).toEqual([]);
  });

  it('answers HTTP_<status> as one entry, and nothing for NCP codes', () => {
    expect(errorCodeInfo('HTTP_503')?.kind).toBe('protocol');
    expect(errorCodeInfo('5001017')).toBeUndefined();
    expect(errorCodeInfo('toString')).toBeUndefined();
  });
});
