/**
 * Whether traces are on, and where they go, from the standard OpenTelemetry variables. Pure: it
 * loads nothing of OpenTelemetry, so a process with traces off pays for one look at its env.
 *
 * On when OTEL_TRACES_EXPORTER is `otlp`, or, with it unset, when OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set. Off when OTEL_SDK_DISABLED is `true` or
 * OTEL_TRACES_EXPORTER is `none`, whatever else is set.
 */
import { ConfigError, type Env } from './config.ts';
import { TRACING_DEFAULTS } from './defaults.ts';

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export type TracesSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface TracingConfig {
  /** OTEL_SERVICE_NAME, else the process's own name (`-worker`, `-producer`). */
  serviceName: string;
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL. @defaultValue `http/protobuf` */
  protocol: OtlpProtocol;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`.
   * @defaultValue `http://localhost:4318/v1/traces`
   */
  url: string;
  /** OTEL_TRACES_SAMPLER. @defaultValue `parentbased_always_on` */
  sampler: TracesSampler;
  /** OTEL_TRACES_SAMPLER_ARG, the ratio of the `traceidratio` samplers. @defaultValue 1 */
  samplerRatio: number;
  /**
   * OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT (ms): how long one
   * export to the collector may take; a stopping process waits this long for the last one.
   * @defaultValue 5000
   */
  exportTimeoutMs: number;
  /**
   * The batch span processor's OTEL_BSP_MAX_QUEUE_SIZE, _MAX_EXPORT_BATCH_SIZE,
   * _SCHEDULE_DELAY and _EXPORT_TIMEOUT (ms); each left out when unset (the SDK's 2048, 512,
   * 5000 and 30000). Past the queue size, spans are dropped until the collector catches up.
   */
  batch: {
    maxQueueSize?: number;
    maxExportBatchSize?: number;
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
  };
}

const BATCH_VARIABLES = {
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
} as const satisfies Record<keyof TracingConfig['batch'], string>;

const SAMPLERS: readonly TracesSampler[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** The tracing settings `env` asks for, or undefined when traces are off. */
export function loadTracingConfig(env: Env, defaultService: string): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const tracesEndpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const endpoint = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const exporters = (nonEmpty(env.OTEL_TRACES_EXPORTER) ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  for (const name of exporters) {
    if (name !== 'otlp' && name !== 'none') {
      throw new ConfigError(
        'OTEL_TRACES_EXPORTER',
        `is ${JSON.stringify(name)}; supported: otlp, none (traces go to an OTLP/HTTP receiver)`,
      );
    }
  }
  const on =
    exporters.length > 0 ? exporters.includes('otlp') : Boolean(tracesEndpoint ?? endpoint);
  if (!on) return undefined;

  const protocolVariable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = nonEmpty(env[protocolVariable]) ?? TRACING_DEFAULTS.otlpProtocol;
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      protocolVariable,
      `is ${JSON.stringify(protocol)}; supported: http/protobuf, http/json (not grpc)`,
    );
  }
  const url = tracesEndpoint
    ? checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
    : `${checkedUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint ?? TRACING_DEFAULTS.otlpEndpoint).replace(/\/+$/, '')}/v1/traces`;

  const sampler = (nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ??
    TRACING_DEFAULTS.sampler) as TracesSampler;
  if (!SAMPLERS.includes(sampler)) {
    throw new ConfigError(
      'OTEL_TRACES_SAMPLER',
      `is ${JSON.stringify(env.OTEL_TRACES_SAMPLER)}; supported: ${SAMPLERS.join(', ')}`,
    );
  }
  const ratioText = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG);
  const samplerRatio = ratioText === undefined ? 1 : Number(ratioText);
  if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
    throw new ConfigError(
      'OTEL_TRACES_SAMPLER_ARG',
      `is ${ratioText}; expected a ratio from 0 to 1`,
    );
  }
  const timeoutVariable = env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT
    ? 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'
    : 'OTEL_EXPORTER_OTLP_TIMEOUT';
  const exportTimeoutMs =
    wholeNumber(timeoutVariable, env[timeoutVariable]) ?? TRACING_DEFAULTS.exportTimeoutMs;
  const batch: TracingConfig['batch'] = {};
  for (const [field, variable] of Object.entries(BATCH_VARIABLES)) {
    const value = wholeNumber(variable, env[variable]);
    if (value !== undefined) batch[field as keyof TracingConfig['batch']] = value;
  }
  return {
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? defaultService,
    protocol,
    url,
    sampler,
    samplerRatio,
    exportTimeoutMs,
    batch,
  };
}

function wholeNumber(variable: string, raw: string | undefined): number | undefined {
  const text = nonEmpty(raw);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(variable, `is ${text}; expected a whole number above 0`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The URL as given, once it parses as http(s); the message never repeats credentials in it. */
function checkedUrl(variable: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(variable, 'is not a URL (expected http(s)://host:port[/path])');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(variable, `has scheme ${url.protocol}, expected http: or https:`);
  }
  return value;
}
