/**
 * Configuration from the environment, validated once at start.
 *
 * Each section is loaded on its own (`loadNcpConfig`, `loadRedisConfig`, ...), so a producer
 * that never calls NCP does not need NCP credentials. Every error names the variable at fault.
 * The sections live in `shared/config/`; every default in `shared/defaults.ts`.
 */
export { ConfigError, type Env, parseDurationMs } from './config/env.ts';
export * from './config/http.ts';
export * from './config/landing.ts';
export * from './config/ncp.ts';
export * from './config/operator.ts';
export * from './config/redis.ts';
export * from './config/worker.ts';
