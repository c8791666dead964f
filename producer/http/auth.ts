/**
 * Bearer-token authentication. The presented token is compared with API_TOKEN in constant
 * time (both hashed to the same length first), and a refusal says nothing about why: missing
 * and wrong tokens get the same 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const REALM = 'ncp-cache-export';

/** True when `presented` is the token; takes the same time whatever `presented` is. */
export function tokenMatches(expected: string, presented: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

/**
 * The token in an `Authorization` header: `Bearer <token>`, or with `allowBasic` (the
 * dashboard, where a browser asks for it) `Basic` with the token as password, any user name.
 */
export function presentedToken(
  header: string | undefined,
  allowBasic: boolean,
): string | undefined {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme === 'bearer') return match[2];
  if (scheme !== 'basic' || !allowBasic) return undefined;
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/** An onRequest hook that lets through only requests carrying `token`. */
export function requireToken(token: string, options: { allowBasic: boolean }) {
  const challenge = options.allowBasic
    ? `Basic realm="${REALM}", charset="UTF-8"`
    : `Bearer realm="${REALM}"`;
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    const presented = presentedToken(request.headers.authorization, options.allowBasic);
    if (presented !== undefined && tokenMatches(token, presented)) return undefined;
    return reply
      .code(401)
      .header('www-authenticate', challenge)
      .send({ error: { code: 'ERR_UNAUTHORIZED', message: 'authentication required' } });
  };
}
