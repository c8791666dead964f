/** The NCP answer parser as the fuzz tests (fuzz-response*.test.ts) call and judge it. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ERROR_KINDS } from '../../shared/contract.ts';
import { NcpError } from '../../shared/ncp/errors.ts';
import { type ParsedNcpResponse, parseNcpResponse } from '../../shared/ncp/response.ts';

export const ACTION = 'exportBackupToObjectStorage';

export function parse(httpStatus: number, body: string, retryAfter?: string): ParsedNcpResponse {
  const headers = retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  return parseNcpResponse({ action: ACTION, httpStatus, headers, body, now: 1_700_000_000_000 });
}

/** Everything the parser hands on is one line of bounded length, and the kinds are known. */
export function expectTidy(result: ParsedNcpResponse, httpStatus: number): void {
  if (result.ok) {
    expect(httpStatus).toBeGreaterThanOrEqual(200);
    expect(httpStatus).toBeLessThan(300);
    expect(result.response.returnCode).toBe('0');
    expect(result.response.requestId).toMatch(/^[^\p{Cc}]{0,128}$/u);
    expect(result.response.returnMessage).toMatch(/^[^\p{Cc}]{0,301}$/u);
    return;
  }
  const { error } = result;
  expect(error).toBeInstanceOf(NcpError);
  expect(ERROR_KINDS).toContain(error.kind);
  expect(error.httpStatus).toBe(httpStatus);
  expect(error.code).toMatch(/^[^\p{Cc}]{1,64}$/u);
  expect(error.message).toMatch(/^[^\p{Cc}]{1,500}$/u);
  if (error.requestId !== undefined) expect(error.requestId).toMatch(/^[^\p{Cc}]{1,128}$/u);
  if (error.retryAfterMs !== undefined) {
    expect(Number.isSafeInteger(error.retryAfterMs) && error.retryAfterMs >= 0).toBe(true);
  }
}

/** Statuses NCP uses, and any other number up to 999. */
export const status = fc.oneof(
  fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 413, 429, 500, 502, 503, 504),
  fc.integer({ min: 0, max: 999 }),
);
