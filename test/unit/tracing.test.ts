/**
 * The tracing module with an in-memory exporter: spans, their parents and inherited attributes,
 * the root span an export's trace starts with, one span per NCP call with its attributes, and
 * never a key or a signature in any span, whatever NCP answers.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MockAgent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NcpClient } from '../../shared/ncp/client.ts';
import { SIGNATURE_HEADER } from '../../shared/ncp/signer.ts';
import {
  startExportTrace,
  startTracing,
  stopTracing,
  tracingActive,
  withSpan,
} from '../../shared/tracing.ts';

const ORIGIN = 'https://ncloud.apigw.ntruss.com';
const ACCESS_KEY = 'AK-trace-access-key';
const SECRET_KEY = 'SK-trace-secret-0123456789';

describe('with traces off', () => {
  it('runs the function without a span and starts no trace', async () => {
    expect(await startTracing({ OTEL_SERVICE_NAME: 'x' }, 'test')).toBeUndefined();
    expect(tracingActive()).toBe(false);
    expect(await withSpan('nothing', {}, async (span) => span)).toBeUndefined();
    expect(startExportTrace('enqueue export', {})).toBeUndefined();
  });
});

describe('with traces on (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    const tracing = await startTracing({ OTEL_TRACES_EXPORTER: 'otlp' }, 'ncp-test', {
      spanExporter: exporter,
      serviceVersion: '1.2.3',
    });
    expect(tracing?.config.serviceName).toBe('ncp-test');
  });
  afterEach(() => exporter.reset());
  afterAll(() => stopTracing());

  const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

  it('nests spans, passes inherited attributes down and records failures by name and message', async () => {
    const expected = new Error('handed back');
    await withSpan(
      'outer',
      { inherited: { 'test.attempt': 2 }, failsSpan: (e) => e !== expected },
      async () => {
        await withSpan(
          'inner',
          { attributes: { 'test.kept': 'yes', 'test.dropped': undefined } },
          async (span) => {
            span?.setAttributes({ 'test.late': 1 });
          },
        );
        await expect(
          withSpan('failing', {}, async () => {
            throw Object.assign(new TypeError('bad thing'), { secret: SECRET_KEY });
          }),
        ).rejects.toThrow('bad thing');
        throw expected;
      },
    ).catch((error: unknown) => expect(error).toBe(expected));

    const [outer] = named('outer');
    const [inner] = named('inner');
    const [failing] = named('failing');
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(inner?.attributes).toEqual({ 'test.attempt': 2, 'test.kept': 'yes', 'test.late': 1 });
    expect(outer?.status.code).toBe(0); // unset: the error was part of the plan
    expect(failing?.status).toEqual({ code: 2, message: 'TypeError: bad thing' });
    expect(failing?.events.map((event) => event.attributes)).toEqual([
      { 'exception.type': 'TypeError', 'exception.message': 'bad thing' },
    ]);
    expect(outer?.resource.attributes).toMatchObject({
      'service.name': 'ncp-test',
      'service.version': '1.2.3',
    });
  });

  it("starts each export's trace as a root, linked to the current span", async () => {
    let metadata = '';
    await withSpan('discovery', {}, async () => {
      const trace = startExportTrace('enqueue export', { 'ncp_cache_export.job_id': 'j1' });
      metadata = trace?.metadata ?? '';
      trace?.end({ 'ncp_cache_export.added': true });
    });
    const [root] = named('enqueue export');
    const [discovery] = named('discovery');
    expect(root?.parentSpanContext).toBeUndefined();
    expect(root?.spanContext().traceId).not.toBe(discovery?.spanContext().traceId);
    expect(root?.links.map((link) => link.context.spanId)).toEqual([
      discovery?.spanContext().spanId,
    ]);
    expect(root?.attributes).toEqual({
      'ncp_cache_export.job_id': 'j1',
      'ncp_cache_export.added': true,
    });
    // What BullMQ's telemetry reads back from the job's options: W3C trace context.
    const { traceparent } = JSON.parse(metadata) as { traceparent: string };
    expect(traceparent).toBe(`00-${root?.spanContext().traceId}-${root?.spanContext().spanId}-01`);
  });

  it('makes a span of every NCP call, with no key, secret or signature in any span', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get(ORIGIN);
    const signatures: string[] = [];
    const reply = (status: number, body: string, headers: Record<string, string> = {}) =>
      pool.intercept({ path: () => true, method: 'GET' }).reply((options) => {
        signatures.push(String((options.headers as Record<string, string>)[SIGNATURE_HEADER]));
        // A proxy that echoes the request: the signature comes back in the body.
        return {
          statusCode: status,
          data: body.replace('ECHO', signatures.at(-1)!),
          responseOptions: { headers },
        };
      });
    const client = new NcpClient({
      apiUrl: ORIGIN,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      responseFormat: 'json',
      timeoutMs: 2000,
      maxResponseBytes: 4096,
      dispatcher: agent,
    });
    const request = {
      api: 'vredis',
      instanceNo: '1001',
      fileName: 'f.rdb',
      bucketName: 'b',
      backupTypeMode: 'SYSTEM',
    } as const;
    reply(
      200,
      '{"exportBackupToObjectStorageResponse":{"requestId":"r-1","returnCode":"0","returnMessage":"ok"}}',
    );
    reply(429, '{"error":{"errorCode":"420","message":"Rate Limited"}}', { 'retry-after': '3' });
    reply(401, '{"error":{"errorCode":"200","message":"Authentication Failed: ECHO"}}');
    reply(500, '{"responseError":{"returnCode":"1000","returnMessage":"try again later ECHO"}}');
    await withSpan('export attempt', { inherited: { 'ncp_cache_export.attempt': 3 } }, async () => {
      await client.exportBackup(request, { defaultRegion: 'KR' });
      for (let i = 0; i < 3; i++) await client.exportBackup(request).catch(() => {});
    });
    await agent.close();

    const calls = named('ncp GET exportBackupToObjectStorage');
    expect(calls.map((span) => span.attributes)).toEqual([
      expect.objectContaining({
        'http.request.method': 'GET',
        'url.path': '/vredis/v2/exportBackupToObjectStorage',
        'server.address': 'ncloud.apigw.ntruss.com',
        'server.port': 443,
        'ncp.api': 'vredis',
        'ncp.action': 'exportBackupToObjectStorage',
        'http.response.status_code': 200,
        'ncp.return_code': '0',
        'ncp.request_id': 'r-1',
        'ncp.throttled': false,
        'ncp_cache_export.attempt': 3,
      }),
      expect.objectContaining({
        'http.response.status_code': 429,
        'ncp.error_code': '420',
        'error.type': 'throttled',
        'ncp.throttled': true,
        'ncp.retry_after_ms': 3000,
      }),
      expect.objectContaining({ 'error.type': 'auth', 'ncp.error_code': '200' }),
      expect.objectContaining({ 'error.type': 'server', 'ncp.error_code': '1000' }),
    ]);
    const [attempt] = named('export attempt');
    for (const call of calls) {
      expect(call.kind).toBe(2); // client
      expect(call.parentSpanContext?.spanId).toBe(attempt?.spanContext().spanId);
    }
    expect(signatures).toHaveLength(4);
    const everything = JSON.stringify(exporter.getFinishedSpans().map(everythingOf));
    for (const secret of [SECRET_KEY, ACCESS_KEY, SIGNATURE_HEADER, ...signatures]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('[redacted]'); // the echoed signature, as the client redacts it
  });
});

/** All a span exports: name, attributes, events, links, status and resource. */
function everythingOf(span: ReadableSpan) {
  return {
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
  };
}
