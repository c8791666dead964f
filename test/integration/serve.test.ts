/**
 * `serve` as an operator starts it: refusing to run open, tokens from files and never logged,
 * body and batch limits, readiness that follows Redis, and an OpenAPI document that matches
 * what the service answers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { call, startTestService, type TestService } from '../helpers/http-service.ts';
import { deletePrefix, testRedisUrl, uniquePrefix, waitFor } from '../helpers/redis.ts';
import { privateRedis } from '../helpers/redis-server.ts';

const TOKEN = 'file-token-5b1f0c9e7d2a4e8b';
const RUN = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));
const request = (n: number) => ({
  api: 'vcache',
  instanceNo: String(1_000_000 + n),
  fileName: '20240702',
  bucketName: 'bulk-bucket',
});

describe('serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncp-serve-'));
  const prefix = uniquePrefix('serve');
  const env = () => ({ REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix });
  let service: TestService;

  beforeAll(async () => {
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    service = await startTestService({
      ...env(),
      API_TOKEN_FILE: join(dir, 'token'),
      HTTP_BODY_LIMIT_BYTES: String(4 * 1024 * 1024),
    });
  });

  afterAll(async () => {
    await service?.close();
    await deletePrefix(testRedisUrl(), prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start without a token, unless --no-auth on loopback', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [
        [],
        {},
        'serve: no API_TOKEN (or API_TOKEN_FILE) set; refusing to serve without authentication',
      ],
      [
        ['--no-auth'],
        { HOST: '0.0.0.0' },
        'serve: --no-auth only on a loopback address, and HOST is 0.0.0.0; set HOST=127.0.0.1',
      ],
      [
        ['--no-auth'],
        { HOST: '127.0.0.1', API_TOKEN: TOKEN },
        'serve: --no-auth given while API_TOKEN is set',
      ],
      [
        [],
        { API_TOKEN: TOKEN, API_TOKEN_FILE: join(dir, 'token') },
        'API_TOKEN: is set together with API_TOKEN_FILE',
      ],
      [
        [],
        { API_TOKEN_FILE: join(dir, 'missing') },
        `API_TOKEN_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
      ],
      [[], { API_TOKEN: TOKEN, PORT: 'eighty' }, 'PORT: is "eighty", expected an integer'],
    ];
    for (const [args, extra, message] of cases) {
      const run = await runCli(['serve', ...args], { ...env(), ...extra });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toContain(TOKEN);
    }

    const open = await startTestService({ ...env(), HOST: '127.0.0.1' }, { auth: false });
    try {
      expect((await call(open.url, '/v1/outcomes')).status).toBe(200);
      const doc = (await call(open.url, '/openapi.json')).json as OpenApi;
      expect(doc.paths['/v1/outcomes']?.get?.security).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it('takes the token from API_TOKEN_FILE and never logs it', async () => {
    expect((await call(service.url, '/v1/outcomes', { token: TOKEN })).status).toBe(200);
    expect((await call(service.url, '/v1/outcomes', { token: 'guess-1234' })).status).toBe(401);
    await call(service.url, '/ui', { token: TOKEN });
    const logs = service.logs();
    expect(logs).toContain('"msg":"serving"');
    expect(logs).toContain('"url":"/v1/outcomes","statusCode":401');
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain('guess-1234');
    expect(logs.toLowerCase()).not.toContain('bearer');
  });

  it('takes 10,000 requests in one call, refuses 10,001, and answers 413 past the body limit', async () => {
    const body = Array.from({ length: 10_000 }, (_, n) => request(n));
    const started = performance.now();
    const answer = await call(service.url, '/v1/exports', { token: TOKEN, body });
    const elapsedMs = performance.now() - started;
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ added: 10_000, duplicates: 0 });
    expect((answer.json as { jobs: unknown[] }).jobs).toHaveLength(10_000);
    console.info(`10,000 requests validated and enqueued over HTTP in ${Math.round(elapsedMs)} ms`);

    const tooMany = await call(service.url, '/v1/exports', {
      token: TOKEN,
      body: [...body, request(10_000)],
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({
      error: {
        issues: [{ field: '', message: 'must hold 1 to 10000 export requests (it holds 10001)' }],
      },
    });
    const huge = await call(service.url, '/v1/exports', {
      token: TOKEN,
      body: `[${' '.repeat(4 * 1024 * 1024)}]`,
    });
    expect(huge.status).toBe(413);
    expect(huge.json).toEqual({
      error: {
        code: 'ERR_BODY_TOO_LARGE',
        message: 'request body larger than 4194304 bytes (HTTP_BODY_LIMIT_BYTES)',
      },
    });
  });

  it('publishes an OpenAPI document that matches what the service answers', async () => {
    const doc = (await call(service.url, '/openapi.json')).json as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`,
      ),
    );
    expect(operations.sort()).toEqual([
      'GET /healthz health',
      'GET /metrics metrics',
      'GET /openapi.json openapi',
      'GET /readyz ready',
      'GET /v1/exports/{jobId} getExport',
      'GET /v1/outcomes listOutcomes',
      'POST /v1/exports enqueueExports',
      'POST /v1/exports/{jobId}/retry retryExport',
    ]);
    expect(doc.paths['/v1/exports']?.post?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);

    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema(doc, 'api');
    const schema = (name: string) => {
      const validate = ajv.getSchema(`api#/components/schemas/${name}`);
      if (!validate) throw new Error(`no component ${name}`);
      return validate;
    };
    expect(schema('ExportBatch')([request(1), request(2)])).toBe(true);
    expect(schema('ExportBatch')(request(1))).toBe(true);
    expect(schema('ExportBatch')([{ ...request(1), api: 'vcash' }])).toBe(false);
    expect(schema('ExportBatch')([])).toBe(false);

    const enqueued = await call(service.url, '/v1/exports', { token: TOKEN, body: request(1) });
    expect(schema('EnqueueResult')(enqueued.json)).toBe(true);
    const jobId = (enqueued.json as { jobs: { jobId: string }[] }).jobs[0]!.jobId;
    const job = await call(service.url, `/v1/exports/${jobId}`, { token: TOKEN });
    expect(schema('ExportJob')(job.json)).toBe(true);
    const page = await call(service.url, '/v1/outcomes', { token: TOKEN });
    expect(schema('OutcomePage')(page.json)).toBe(true);
    const problem = await call(service.url, '/v1/outcomes?limit=0', { token: TOKEN });
    expect(schema('Problem')(problem.json)).toBe(true);
    expect(schema('Problem')({ error: { code: 1 } })).toBe(false);
  });

  it('runs as a process that stops on SIGTERM with exit code 0', async () => {
    const child = spawn(process.execPath, [RUN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env(),
        API_TOKEN: TOKEN,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    await waitFor('serving', () => out.includes('"msg":"serving"'), 15_000);
    const url = (
      JSON.parse(out.split('\n').find((line) => line.includes('"msg":"serving"'))!) as {
        url: string;
      }
    ).url;
    expect((await call(url, '/v1/outcomes', { token: TOKEN })).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  });

  it('is ready while Redis answers, and says so when it stops', async () => {
    const redis = await privateRedis();
    const own = await startTestService({
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      API_TOKEN: TOKEN,
    });
    try {
      expect((await call(own.url, '/readyz')).status).toBe(200);
      await redis.kill();
      await waitFor(
        'readyz to answer 503',
        async () => (await call(own.url, '/readyz')).status === 503,
        10_000,
      );
      expect((await call(own.url, '/readyz')).json).toEqual({ status: 'unavailable' });
      expect((await call(own.url, '/healthz')).status).toBe(200);
      expect((await call(own.url, '/metrics')).status).toBe(503);
      await redis.start();
      await waitFor(
        'readyz to recover',
        async () => (await call(own.url, '/readyz')).status === 200,
        10_000,
      );
    } finally {
      await own.close();
      await redis.dispose();
    }
  });
});

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security?: unknown }>>;
}
