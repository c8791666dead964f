import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogConfig } from './config.ts';

/**
 * Paths redacted from every log line, wherever a secret could be attached by mistake:
 * configuration objects, request headers, and error causes that carry either.
 */
export const REDACT_PATHS = [
  'secretKey',
  '*.secretKey',
  '*.*.secretKey',
  'signature',
  '*.signature',
  'headers["x-ncp-apigw-signature-v2"]',
  '*.headers["x-ncp-apigw-signature-v2"]',
  '*.*.headers["x-ncp-apigw-signature-v2"]',
  'apiToken',
  '*.apiToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
];

export function createLogger(
  config: LogConfig,
  name: string,
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name,
      level: config.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

export type { Logger };
