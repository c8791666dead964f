/**
 * Traces: the one module the rest of the code calls. Opt-in through the standard OTEL_*
 * variables (`tracing-config.ts`). Off, nothing of OpenTelemetry is loaded: {@link withSpan}
 * runs its function, {@link bullTelemetry} is undefined, {@link startExportTrace} is undefined.
 * On, {@link startTracing} loads the SDK (`tracing-sdk.ts`) once per process.
 *
 * A trace per export: the producer starts it when it enqueues the job (`startExportTrace`,
 * its context goes into the job's options), BullMQ's telemetry (`bullmq-otel`) carries it to
 * each attempt's `process` span, and the worker's spans (`export attempt`, one `ncp GET ...`
 * per call) are children of that.
 *
 * **What a span may carry:** ids, names, paths without query strings, statuses and codes, as
 * the logs do. Never the access key, the secret key, a signature header, an API token or a
 * query string; `test/integration/traces.test.ts` searches every exported span for them.
 *
 * For new work (a landing check, say):
 * ```ts
 * await withSpan('landing check', { attributes: { 'ncp_cache_export.job_id': jobId } },
 *   async (span) => { ...; span?.setAttributes({ 'ncp_cache_export.landed': true }); });
 * ```
 * It is a child of whatever span is current (the export's attempt, in a worker).
 */
import type { Telemetry } from 'bullmq';
import type { Env } from './config.ts';
import { loadTracingConfig, type TracingConfig } from './tracing-config.ts';

/** Attribute values a span takes; `undefined` ones are left out. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean | undefined>>;

/** What a function run by {@link withSpan} may do with its span. */
export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
}

export interface WithSpanOptions {
  attributes?: SpanAttributes;
  /** @defaultValue `internal` */
  kind?: 'internal' | 'client' | 'producer' | 'consumer';
  /** Also set on every span started inside this one (in the same process). */
  inherited?: SpanAttributes;
  /**
   * Whether an error thrown by the function marks the span as failed; for errors that are
   * part of the plan (a job handed back). @defaultValue every error fails the span
   */
  failsSpan?: (error: unknown) => boolean;
}

/** The root span of one export's trace, started when it is enqueued. */
export interface ExportTrace {
  /** The trace context, serialized as BullMQ's telemetry reads it from job options. */
  readonly metadata: string;
  /** Ends the span with its last attributes; with `error`, as failed. */
  end(attributes?: SpanAttributes, error?: unknown): void;
}

/** What a running SDK offers; implemented in `tracing-sdk.ts`. */
export interface ActiveTracing {
  readonly config: TracingConfig;
  /** For BullMQ's Queue and Worker options (`bullmq-otel`). */
  readonly telemetry: Telemetry;
  run<T>(name: string, options: WithSpanOptions, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  startExportTrace(name: string, attributes: SpanAttributes): ExportTrace;
  /**
   * Sends what is buffered and stops; spans started later go nowhere. Waits at most
   * `timeoutMs` for the collector (then reports the spans dropped to `onError`).
   * @defaultValue the export timeout + 1 s
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface StartTracingOptions {
  /** The resource's `service.version` (the package's). @defaultValue `unknown` */
  serviceVersion?: string;
  /**
   * Hears the SDK's errors, such as a batch of spans the collector did not take: at most one
   * a minute, with how many were left unsaid before it. @defaultValue ignore them
   */
  onError?: (error: Error, unsaid: number) => void;
  /**
   * For tests: a span exporter (`InMemorySpanExporter`) instead of the OTLP one, with a simple
   * (unbatched) processor. @defaultValue OTLP/HTTP, batched
   */
  spanExporter?: unknown;
}

let active: ActiveTracing | undefined;
let starting: Promise<ActiveTracing | undefined> | undefined;

/**
 * Starts tracing when `env` asks for it (once per process; later calls get the same), or
 * resolves undefined without loading anything.
 * @throws ConfigError when an OTEL_* variable is not understood
 */
export function startTracing(
  env: Env,
  defaultService: string,
  options: StartTracingOptions = {},
): Promise<ActiveTracing | undefined> {
  const config = loadTracingConfig(env, defaultService);
  if (!config) return Promise.resolve(undefined);
  starting ??= import('./tracing-sdk.ts').then(
    async ({ startSdk }) => {
      active = await startSdk(config, options);
      return active;
    },
    (error: unknown) => {
      starting = undefined;
      throw error;
    },
  );
  return starting;
}

/**
 * Sends the spans still buffered and stops tracing, if it was started (it may be started again
 * afterwards). Waits at most the export timeout and a second for the collector: an unreachable
 * one never holds up a shutdown for long; what it did not take is dropped, and reported.
 */
export async function stopTracing(timeoutMs?: number): Promise<void> {
  const running = active ?? (await starting?.catch(() => undefined));
  active = undefined;
  starting = undefined;
  await running?.shutdown(timeoutMs);
}

/** Whether spans are being recorded in this process. */
export function tracingActive(): boolean {
  return active !== undefined;
}

/** BullMQ telemetry for a Queue or Worker's options, or undefined when tracing is off. */
export function bullTelemetry(): Telemetry | undefined {
  return active?.telemetry;
}

/**
 * Runs `fn` in a span named `name`, a child of the current span; the span ends when `fn`
 * settles, failed if it throws. With tracing off, `fn` runs as is (its span is undefined).
 */
export function withSpan<T>(
  name: string,
  options: WithSpanOptions,
  fn: (span: SpanHandle | undefined) => Promise<T>,
): Promise<T> {
  return active ? active.run(name, options, fn) : fn(undefined);
}

/**
 * Starts the root span of a new trace for one export (linked to the current span, if any);
 * undefined when tracing is off.
 */
export function startExportTrace(
  name: string,
  attributes: SpanAttributes,
): ExportTrace | undefined {
  return active?.startExportTrace(name, attributes);
}
