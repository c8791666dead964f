/**
 * For tests of the operator's page without a browser: a client that keeps redirects and cookies
 * visible, signs in with the token, and reads the CSRF token from a page; and records with
 * hostile values, a landing and an instance name, written through the ledger.
 */
import { expect } from 'vitest';
import type { DiscoveryOutcome } from '../../shared/discovery-contract.ts';
import type { Ledger } from '../../shared/ledger/index.ts';
import { exportOutcome } from './outcomes.ts';

export const HOSTILE = {
  meta: '<script>alert("meta")</script>',
  message: '</td><script>alert("message")</script>',
  name: '<img src=x onerror=alert("name")>',
  file: '"><script>alert("file")</script>',
};
/** Failed with server/500 (retryable), with a hostile message and meta. */
export const failedId = 'vredis~KR~1234511~SYSTEM~20240702~cache-backup';
/** Failed as invalid (not retryable), with a hostile file name. */
export const invalidId = 'vredis~KR~1234522~SYSTEM~20240702~cache-backup';
/** Succeeded, with a landing check. */
export const landedId = 'vredis~KR~1234533~SYSTEM~20240702~cache-backup';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  cookie?: string;
  /** Sent as a form (POST), from `origin` unless headers name another. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export function pageClient(origin: string, token: string) {
  const request = async (path: string, options: RequestOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin ??= origin;
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      body,
      redirect: 'manual',
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  const signIn = async (): Promise<{ cookie: string; setCookie: string }> => {
    const answer = await request('/sign-in', { form: { token, next: '/' } });
    expect(answer.status).toBe(303);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    return { cookie: setCookie.split(';')[0]!, setCookie };
  };
  return { request, signIn };
}

/** The CSRF token in a page's forms; '' if it has none. */
export function csrfIn(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

export async function recordPageFixtures(ledger: Ledger): Promise<void> {
  const finishedAt = new Date().toISOString();
  const failed = exportOutcome({
    jobId: failedId,
    status: 'failed',
    finishedAt,
    message: HOSTILE.message,
  });
  failed.meta = { note: HOSTILE.meta };
  await ledger.recordExport(failed);
  const invalid = exportOutcome({
    jobId: invalidId,
    instanceNo: '1234522',
    status: 'failed',
    finishedAt,
    kind: 'invalid',
  });
  (invalid.request as Record<string, unknown>).fileName = HOSTILE.file;
  await ledger.recordExport(invalid);
  // An outcome with a landing check (an optional field of later versions).
  const landed = exportOutcome({
    jobId: landedId,
    instanceNo: '1234533',
    status: 'succeeded',
    finishedAt,
  });
  Object.assign(landed, { landing: { state: 'landed', objectKey: '<b>backup</b>.rdb' } });
  await ledger.recordExport(landed);
  await ledger.recordDiscovery({
    jobId: 'discover-hostile',
    request: { api: 'vredis', bucketName: 'cache-backup', regionCode: 'KR' },
    status: 'succeeded',
    dryRun: true,
    instancesSeen: 1,
    instancesMatched: 1,
    filesChosen: 0,
    exportsEnqueued: 0,
    exportsDuplicate: 0,
    instances: [
      { instanceNo: '1234511', name: HOSTILE.name, regionCode: 'KR', backupsListed: 0, files: [] },
    ],
    errors: [],
    attempts: 1,
    enqueuedAt: finishedAt,
    startedAt: finishedAt,
    finishedAt,
  } as unknown as DiscoveryOutcome);
}
