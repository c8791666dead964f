/** The HTTP service (`serve`): where it listens, its token, its limits. */
import { DEFAULTS } from '../defaults.ts';
import { boolean, ConfigError, type Env, integer, optionalSecret } from './env.ts';

/** The HTTP service (`serve`). */
export interface HttpConfig {
  port: number;
  host: string;
  /** Bearer token (API_TOKEN or API_TOKEN_FILE); undefined only with `--no-auth`. Never logged. */
  apiToken: string | undefined;
  /** Largest request body accepted; larger ones are answered 413. */
  bodyLimitBytes: number;
  /** Time a client has to send a whole request; slower ones get 408 and are disconnected. */
  requestTimeoutMs: number;
  /** Lets the dashboard (/ui) re-run failed exports; otherwise it is read-only. */
  uiAllowRetry: boolean;
}

/** The HTTP service's settings; the token is checked by `serve`, which knows about --no-auth. */
export function loadHttpConfig(env: Env = process.env): HttpConfig {
  return {
    port: integer(env, 'PORT', DEFAULTS.httpPort, { min: 0, max: 65_535 }),
    host: env.HOST?.trim() || DEFAULTS.httpHost,
    apiToken: apiToken(env),
    bodyLimitBytes: integer(env, 'HTTP_BODY_LIMIT_BYTES', DEFAULTS.httpBodyLimitBytes, {
      min: 1024,
    }),
    uiAllowRetry: boolean(env, 'UI_ALLOW_RETRY', false),
    requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', DEFAULTS.httpRequestTimeoutMs, {
      min: 100,
    }),
  };
}

/** The shortest API_TOKEN accepted: a short token is guessed by brute force. */
export const API_TOKEN_MIN_LENGTH = 16;

function apiToken(env: Env): string | undefined {
  const token = optionalSecret(env, 'API_TOKEN');
  if (token !== undefined && token.length < API_TOKEN_MIN_LENGTH) {
    const from = env.API_TOKEN_FILE ? 'API_TOKEN_FILE' : 'API_TOKEN';
    throw new ConfigError(
      from,
      `the token is ${token.length} characters long, at least ${API_TOKEN_MIN_LENGTH} are needed (e.g. openssl rand -hex 24)`,
    );
  }
  return token;
}
