/**
 * The HTTP service (`serve`) in the test process, listening on a real loopback socket, with
 * its log lines captured; and a small client for it.
 */
import { PassThrough, Readable } from 'node:stream';
import { type RunningService, startService } from '../../cli/commands/serve.ts';

export interface TestService extends RunningService {
  /** Everything the service logged so far. */
  logs(): string;
}

export async function startTestService(
  env: Record<string, string>,
  options: { auth?: boolean } = {},
): Promise<TestService> {
  const stdout = new PassThrough();
  let logged = '';
  stdout.setEncoding('utf8').on('data', (text: string) => {
    logged += text;
  });
  const service = await startService(
    {
      stdout,
      stderr: new PassThrough(),
      stdin: Readable.from([]),
      env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    },
    { auth: options.auth ?? true },
  );
  return { ...service, logs: () => logged };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

export interface CallOptions {
  method?: string;
  token?: string | undefined;
  /** Sent as JSON, or as is when a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP request to the service over a real socket. */
export async function call(base: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
