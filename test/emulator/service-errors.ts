/**
 * The service errors of the emulated Cloud DB for Cache API: one distinct `returnCode` per
 * cause. Two are NCP's own: `1000`, the documented transient "try again later", and `5001017`
 * (HTTP 400), what the Cloud DB services answer for an instance that does not exist or was
 * deleted. NCP publishes no others for this API; the rest are plausible stand-ins in NCP's
 * 7-digit style.
 */
import type { ServiceError } from './responses.ts';

/** The `returnCode` of each cause. */
export const SERVICE_ERROR_CODES = {
  temporary: '1000',
  missingParameter: '1007001',
  unknownParameter: '1007002',
  duplicateParameter: '1007003',
  invalidParameterValue: '1007004',
  unsupportedContentType: '1007005',
  regionNotFound: '1007010',
  instanceNotFound: '5001017',
  backupNotFound: '1007012',
  bucketNotFound: '1007013',
  backupInProgress: '1007014',
} as const;

/** A cause of a service error. */
export type ServiceErrorCause = keyof typeof SERVICE_ERROR_CODES;

/** A service error for `cause`: HTTP 500 for `temporary`, HTTP 400 for the rest. */
export function serviceError(cause: ServiceErrorCause, returnMessage: string): ServiceError {
  return {
    status: cause === 'temporary' ? 500 : 400,
    returnCode: SERVICE_ERROR_CODES[cause],
    returnMessage,
  };
}

/** Quotes a value from the request for a message, cut short when long. */
export function quote(value: string, max = 100): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}...` : value);
}
