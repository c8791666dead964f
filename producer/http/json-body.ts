/**
 * Fastify's parser for `application/json` bodies, replaced by the producer's strict JSON (see
 * `../strict-json.ts`): a key named twice is a 400 naming it (`[3].api`), where JSON.parse
 * would keep the last value. `__proto__` keys stay plain data (JSON.parse makes them own
 * properties); the contract then refuses them by name.
 */
import type { FastifyRequest } from 'fastify';
import { DuplicateKeyError, formatJsonPath, parseStrictJson } from '../strict-json.ts';
import { RequestValidationError } from './validation.ts';

/** A body that is not JSON at all: 400. */
class InvalidJsonError extends Error {
  override readonly name = 'InvalidJsonError';
  readonly code = 'ERR_INVALID_JSON';
  readonly statusCode = 400;
}

export function jsonBodyParser(
  _request: FastifyRequest,
  body: string | Buffer,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') {
    done(new InvalidJsonError('the body is empty; send a JSON export request'));
    return;
  }
  try {
    done(null, parseStrictJson(text));
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      const [first, ...rest] = error.path;
      const index = typeof first === 'number' ? { index: first } : {};
      const field = formatJsonPath(typeof first === 'number' ? rest : error.path);
      const message = 'appears twice in the same object; JSON would keep only the last value';
      done(new RequestValidationError([{ in: 'body', ...index, field, message }]));
      return;
    }
    done(new InvalidJsonError(`the body is not valid JSON: ${(error as Error).message}`));
  }
}
