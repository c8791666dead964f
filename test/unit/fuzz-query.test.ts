/**
 * Property tests of what an accepted request becomes: the signed query the client sends, which
 * decodes to exactly the request with nothing injected, and the job id, which has no ":" and
 * splits back into the identifying fields.
 */
import fc from 'fast-check';
import { MockAgent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import {
  API_FAMILIES,
  type ExportRequest,
  exportJobId,
  parseExportRequest,
} from '../../shared/contract.ts';
import { NcpClient } from '../../shared/ncp/client.ts';
import { NcpError } from '../../shared/ncp/errors.ts';
import { buildPathWithQuery } from '../../shared/ncp/query.ts';
import { hasLoneSurrogate, nastyString, normalized, validRequest } from './fuzz-arbitraries.ts';

describe('the query of an accepted request', () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const sent: string[] = [];
  agent
    .get('https://ncloud.apigw.ntruss.com')
    .intercept({ path: () => true, method: 'GET' })
    .reply((options) => {
      sent.push(options.path);
      return {
        statusCode: 200,
        data: '{"exportBackupToObjectStorageResponse":{"requestId":"r","returnCode":"0"}}',
      };
    })
    .persist();
  const client = new NcpClient({
    apiUrl: 'https://ncloud.apigw.ntruss.com',
    accessKey: 'AK',
    secretKey: 'SK',
    responseFormat: 'json',
    timeoutMs: 2000,
    maxResponseBytes: 4096,
    defaultRegion: 'KR',
    dispatcher: agent,
  });
  afterAll(() => agent.close());

  it('decodes to exactly the request, in the client order, with nothing injected', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest, async (input) => {
        const result = parseExportRequest(input);
        if (!result.ok) throw new Error(`valid input refused: ${JSON.stringify(result.issues)}`);
        const request = result.value;
        sent.length = 0;
        await client.exportBackup(request);
        expect(sent).toHaveLength(1);
        const [path, query = ''] = sent[0]!.split('?');
        expect(path).toBe(`/${request.api}/v2/exportBackupToObjectStorage`);
        // Only unreserved characters, %XX escapes and the query's own = and &.
        expect(query).toMatch(/^([A-Za-z0-9._~-]|%[0-9A-F]{2}|[=&])*$/);
        expect(decodePairs(query)).toEqual(expectedParams(request));
      }),
      { numRuns: 200 },
    );
  });

  it('never lets a hostile value add a parameter, whatever the contract would say', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(nastyString, nastyString), { maxLength: 4 }), (params) => {
        const entries = params.map(([name, value]) => [`p${name}`, value] as const);
        let target: string;
        try {
          target = buildPathWithQuery('/vredis/v2/exportBackupToObjectStorage', entries);
        } catch (error) {
          // Refused: only for control characters and lone surrogates, as kind invalid.
          expect(error).toBeInstanceOf(NcpError);
          expect((error as NcpError).kind).toBe('invalid');
          // (Each string on its own: two halves in a row would make a pair.)
          const refused = entries.flat().some((t) => /\p{Cc}/u.test(t) || hasLoneSurrogate(t));
          expect(refused).toBe(true);
          return;
        }
        const query = target.split('?')[1] ?? '';
        expect(target.split('?')).toHaveLength(entries.length > 0 ? 2 : 1);
        expect(query).toMatch(/^([A-Za-z0-9._~-]|%[0-9A-F]{2}|[=&])*$/);
        expect(decodePairs(query)).toEqual(entries.map(([name, value]) => [name, value]));
      }),
      { numRuns: 400 },
    );
  });
});

describe('exportJobId, fuzzed', () => {
  it('has no ":" and splits back into the identifying fields (so it is injective)', () => {
    fc.assert(
      fc.property(validRequest, (input) => {
        const request = normalized(input);
        const id = exportJobId(request);
        expect(id).not.toContain(':');
        expect(id.split('~')).toEqual([
          request.api,
          request.regionCode ?? 'default',
          request.instanceNo,
          request.backupTypeMode,
          request.fileName,
          request.bucketName,
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it('differs for two requests exactly when an identifying field differs', () => {
    fc.assert(
      fc.property(validRequest, validRequest, (a, b) => {
        const same = (['api', 'instanceNo', 'fileName', 'bucketName'] as const).every(
          (field) => a[field] === b[field],
        );
        const sameAll =
          same &&
          (a.backupTypeMode ?? 'SYSTEM') === (b.backupTypeMode ?? 'SYSTEM') &&
          a.regionCode === b.regionCode;
        expect(exportJobId(normalized(a)) === exportJobId(normalized(b))).toBe(sameAll);
      }),
      { numRuns: 300 },
    );
  });
});

function decodePairs(query: string): [string, string][] {
  if (query === '') return [];
  return query.split('&').map((pair) => {
    const [name, ...rest] = pair.split('=');
    return [decodeURIComponent(name!), decodeURIComponent(rest.join('='))];
  });
}

function expectedParams(request: ExportRequest): [string, string][] {
  return [
    ['regionCode', request.regionCode ?? 'KR'],
    ['fileName', request.fileName],
    ['bucketName', request.bucketName],
    [API_FAMILIES[request.api].instanceParam, request.instanceNo],
    ['backupTypeMode', request.backupTypeMode],
    ['responseFormatType', 'json'],
  ];
}
