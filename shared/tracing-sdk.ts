/**
 * The OpenTelemetry SDK, set up from a {@link TracingConfig}: imported by `tracing.ts` only when
 * traces are on, so a process with traces off never loads it.
 *
 * One tracer provider per process (service name and version as its resource), registered as the
 * global one with an AsyncLocalStorage context manager and the W3C trace-context propagator;
 * spans are batched to an OTLP/HTTP exporter (protobuf or JSON). The exporter reads
 * OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_COMPRESSION itself.
 */
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { setGlobalErrorHandler, W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { BullMQOtel } from 'bullmq-otel';
import type { ActiveTracing, SpanAttributes, StartTracingOptions } from './tracing.ts';
import type { TracingConfig } from './tracing-config.ts';

/** Name of this project's tracer (the instrumentation scope), for BullMQ's spans too. */
export const TRACER_NAME = 'ncp-cache-export';

const INHERITED = createContextKey('ncp-cache-export.inherited-attributes');

const KINDS = {
  internal: SpanKind.INTERNAL,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

export async function startSdk(
  config: TracingConfig,
  options: StartTracingOptions,
): Promise<ActiveTracing> {
  const exporter =
    (options.spanExporter as SpanExporter | undefined) ?? (await otlpExporter(config));
  const processor: SpanProcessor = options.spanExporter
    ? new SimpleSpanProcessor({ exporter })
    : new BatchSpanProcessor({ exporter, ...config.batch });
  const report = options.onError ? reportErrors(options.onError) : () => {};
  const version = options.serviceVersion ?? 'unknown';
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      'service.version': version,
    }),
    sampler: sampler(config),
    spanProcessors: [processor],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer(TRACER_NAME, version);

  const telemetry = new BullMQOtel({ tracerName: TRACER_NAME, version });
  // bullmq-otel 2.0 has no `root()`: without it BullMQ runs its never-ending stalled-jobs loop
  // inside the span that started it, and every check joins one trace for the worker's life.
  Object.assign(telemetry.contextManager, { root: () => ROOT_CONTEXT });

  return {
    config,
    telemetry,
    run(name, spanOptions, fn) {
      const parent = context.active();
      const inherited = mergeInherited(parent, spanOptions.inherited);
      const span = tracer.startSpan(
        name,
        {
          kind: KINDS[spanOptions.kind ?? 'internal'],
          attributes: defined({ ...inherited, ...spanOptions.attributes }),
        },
        parent,
      );
      const spanContext = trace.setSpan(parent, span).setValue(INHERITED, inherited);
      return context.with(spanContext, async () => {
        try {
          return await fn({
            setAttributes: (attributes) => span.setAttributes(defined(attributes)),
          });
        } catch (error) {
          if (spanOptions.failsSpan?.(error) ?? true) markFailed(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    startExportTrace(name, attributes) {
      const current = trace.getSpanContext(context.active());
      const links: Link[] = current ? [{ context: current }] : [];
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.PRODUCER, root: true, links, attributes: defined(attributes) },
        ROOT_CONTEXT,
      );
      return {
        metadata: telemetry.contextManager.getMetadata(trace.setSpan(ROOT_CONTEXT, span)),
        end(last, error) {
          if (last) span.setAttributes(defined(last));
          if (error !== undefined) markFailed(span, error);
          span.end();
        },
      };
    },
    async shutdown(timeoutMs = config.exportTimeoutMs + 1000) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          report(new Error(`no answer within ${timeoutMs} ms: the spans not sent are dropped`));
          resolve();
        }, timeoutMs);
      });
      await Promise.race([provider.shutdown().catch(report), timedOut]);
      clearTimeout(timer);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

async function otlpExporter(config: TracingConfig): Promise<SpanExporter> {
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: config.url, timeoutMillis: config.exportTimeoutMs });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url: config.url, timeoutMillis: config.exportTimeoutMs });
}

function sampler(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * The SDK's errors (mostly: a batch the collector did not take) to `onError`, at most one a
 * minute, with the count of those left unsaid; the SDK drops them silently otherwise. Returns
 * the reporter, for the last flush's failure.
 */
function reportErrors(onError: (error: Error, unsaid: number) => void): (error: unknown) => void {
  let last = Number.NEGATIVE_INFINITY;
  let unsaid = 0;
  const report = (exception: unknown) => {
    const now = Date.now();
    if (now - last < 60_000) {
      unsaid++;
      return;
    }
    last = now;
    const error = exception instanceof Error ? exception : new Error(String(exception));
    onError(error, unsaid);
    unsaid = 0;
  };
  setGlobalErrorHandler(report);
  return report;
}

function mergeInherited(parent: Context, added: SpanAttributes | undefined): SpanAttributes {
  const above = parent.getValue(INHERITED) as SpanAttributes | undefined;
  return added ? { ...above, ...added } : (above ?? {});
}

function defined(attributes: SpanAttributes): Attributes {
  const result: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** The error's name and message only: no stack, no properties (a cause may hold anything). */
function markFailed(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  span.recordException({ name, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${name}: ${message}` });
}
