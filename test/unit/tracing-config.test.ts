import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.ts';
import { loadTracingConfig } from '../../shared/tracing-config.ts';

const SERVICE = 'ncp-cache-export-worker';

describe('loadTracingConfig', () => {
  it('is off without OTEL_* variables, or with the exporter none, or the SDK disabled', () => {
    expect(loadTracingConfig({}, SERVICE)).toBeUndefined();
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'x' }, SERVICE)).toBeUndefined();
    expect(
      loadTracingConfig(
        { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
        SERVICE,
      ),
    ).toBeUndefined();
    expect(
      loadTracingConfig({ OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'otlp' }, SERVICE),
    ).toBeUndefined();
  });

  it('is on with an OTLP endpoint or the otlp exporter, with the spec defaults', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' }, SERVICE)).toEqual({
      serviceName: SERVICE,
      protocol: 'http/protobuf',
      url: 'http://localhost:4318/v1/traces',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      exportTimeoutMs: 5000,
      batch: {},
    });
    expect(
      loadTracingConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/',
          OTEL_SERVICE_NAME: 'exports-eu',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SDK_DISABLED: 'false',
        },
        SERVICE,
      ),
    ).toMatchObject({
      serviceName: 'exports-eu',
      protocol: 'http/json',
      url: 'https://collector:4318/v1/traces',
    });
  });

  it('takes the traces endpoint and protocol as they are, before the general ones', () => {
    expect(
      loadTracingConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/path',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
          OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
          OTEL_EXPORTER_OTLP_TIMEOUT: '9000',
          OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2000',
          OTEL_BSP_MAX_QUEUE_SIZE: '20000',
          OTEL_BSP_SCHEDULE_DELAY: '250',
        },
        SERVICE,
      ),
    ).toMatchObject({
      url: 'http://traces:4318/custom/path',
      protocol: 'http/json',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      exportTimeoutMs: 2000,
      batch: { maxQueueSize: 20_000, scheduledDelayMillis: 250 },
    });
  });

  it.each([
    [
      { OTEL_TRACES_EXPORTER: 'zipkin' },
      'OTEL_TRACES_EXPORTER: is "zipkin"; supported: otlp, none',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      'OTEL_EXPORTER_OTLP_PROTOCOL: is "grpc"',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT: has scheme collector:',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: is not a URL',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' },
      'OTEL_TRACES_SAMPLER: is "sometimes"',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER_ARG: '2' },
      'OTEL_TRACES_SAMPLER_ARG: is 2',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TIMEOUT: '1.5s' },
      'OTEL_EXPORTER_OTLP_TIMEOUT: is 1.5s',
    ],
    [
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_MAX_QUEUE_SIZE: '0' },
      'OTEL_BSP_MAX_QUEUE_SIZE: is 0',
    ],
  ])('names the variable at fault: %o', (env, message) => {
    expect(() => loadTracingConfig(env, SERVICE)).toThrow(ConfigError);
    expect(() => loadTracingConfig(env, SERVICE)).toThrow(message);
  });

  it('never repeats credentials of an endpoint URL in an error', () => {
    expect(() =>
      loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:token-123@c' }, SERVICE),
    ).toThrow(/^(?!.*token-123)/);
  });
});
