/**
 * Sessions of the operator's page, kept in Redis under the queue prefix. The browser holds only
 * a random session id in an `HttpOnly`, `SameSite=Strict` cookie (never the token); Redis holds
 * the session under the SHA-256 of that id, with its CSRF token, and forgets it when it expires
 * or on sign-out. A copy of Redis therefore holds no id a browser could present.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../../../shared/redis.ts';

export const SESSION_COOKIE = 'ncp_session';
const ID_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface PageSession {
  id: string;
  /** Sent back in every form that changes something, compared on arrival. */
  csrf: string;
  expiresAt: number;
}

export interface SessionStoreOptions {
  redis: RedisClient;
  /** QUEUE_PREFIX. */
  prefix: string;
  /** How long a session lasts after sign-in, in seconds. */
  ttlSeconds: number;
}

export class SessionStore {
  readonly ttlSeconds: number;
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(options: SessionStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.ttlSeconds = options.ttlSeconds;
  }

  /** The Redis key of a session: the id's hash, never the id. */
  key(id: string): string {
    const hash = createHash('sha256').update(id, 'utf8').digest('hex');
    return `${this.prefix}:cache-export-page:session:${hash}`;
  }

  async create(): Promise<PageSession> {
    const id = randomBytes(ID_BYTES).toString('base64url');
    const csrf = randomBytes(ID_BYTES).toString('base64url');
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    await this.redis
      .multi()
      .hset(this.key(id), 'csrf', csrf, 'expiresAt', String(expiresAt))
      .expire(this.key(id), this.ttlSeconds)
      .exec();
    return { id, csrf, expiresAt };
  }

  /** The session of `id`; undefined for an id that is malformed, unknown or expired. */
  async read(id: string | undefined): Promise<PageSession | undefined> {
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const [csrf, expiresAt] = await this.redis.hmget(this.key(id), 'csrf', 'expiresAt');
    if (!csrf || !expiresAt || Number(expiresAt) <= Date.now()) return undefined;
    return { id, csrf, expiresAt: Number(expiresAt) };
  }

  async destroy(id: string): Promise<void> {
    if (ID_PATTERN.test(id)) await this.redis.unlink(this.key(id));
  }
}

/** True when `presented` is the session's CSRF token (constant time). */
export function csrfMatches(session: PageSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(session.csrf), digest(presented));
}

/** The cookies of a `Cookie` header, by name (the first of a name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name && !cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The `Set-Cookie` value that gives the browser `session`, or (undefined) takes it away. */
export function sessionCookie(session: PageSession | undefined, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (secure) attributes.push('Secure');
  if (!session) {
    return [
      `${SESSION_COOKIE}=`,
      ...attributes,
      'Max-Age=0',
      `Expires=${new Date(0).toUTCString()}`,
    ].join('; ');
  }
  const maxAge = Math.max(0, Math.ceil((session.expiresAt - Date.now()) / 1000));
  return [
    `${SESSION_COOKIE}=${session.id}`,
    ...attributes,
    `Max-Age=${maxAge}`,
    `Expires=${new Date(session.expiresAt).toUTCString()}`,
  ].join('; ');
}
